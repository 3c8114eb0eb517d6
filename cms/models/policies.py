"""Policies (政策): documents issued by a government body, with downloadable files."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable
from wagtail.search import index

from cms.models.base import ContentPage, paginate
from cms.models.news import RICH_TEXT_FEATURES


class PolicyIndexPage(ContentPage):
    """政策列表: the most recently issued first."""

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.PolicyPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("政策列表页")

    def policies(self):
        return PolicyPage.objects.live().public().child_of(self).order_by("-issued_on", "-pk")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["policies"] = paginate(request, self.policies())
        return context


class PolicyPage(ContentPage):
    """政策文件: who issued it, its number (文号), when, the text and its attachments."""

    issuing_body = models.CharField(_("发文机关"), max_length=100)
    document_number = models.CharField(
        _("文号"), max_length=60, blank=True, help_text=_("如：温鹿科〔2025〕12号")
    )
    issued_on = models.DateField(_("发布日期"))
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)
    body = RichTextField(_("正文"), features=RICH_TEXT_FEATURES)

    content_panels = ContentPage.content_panels + [
        MultiFieldPanel(
            [
                FieldPanel("issuing_body"),
                FieldPanel("document_number"),
                FieldPanel("issued_on"),
                FieldPanel("effective_on"),
                FieldPanel("expires_on"),
            ],
            heading=_("发文信息"),
        ),
        FieldPanel("body"),
        InlinePanel("attachments", label=_("附件")),
    ]
    search_fields = ContentPage.search_fields + [
        index.SearchField("issuing_body"),
        index.SearchField("document_number"),
        index.SearchField("body"),
        index.FilterField("issued_on"),
    ]
    parent_page_types = ["cms.PolicyIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("政策")

    def search_texts(self) -> list[str]:
        return [*super().search_texts(), self.issuing_body, self.document_number, self.body]

    def attachment_list(self):
        return self.attachments.select_related("document")


class PolicyAttachment(Orderable):
    """A downloadable file of a policy (the original document, forms, explanations)."""

    page = ParentalKey(PolicyPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        "wagtaildocs.Document", verbose_name=_("文件"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(
        _("显示名称"), max_length=120, blank=True, help_text=_("留空则使用文件标题。")
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("政策附件")
        verbose_name_plural = _("政策附件")

    @property
    def label(self) -> str:
        return self.title or self.document.title
