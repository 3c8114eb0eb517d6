"""News (资讯): an index page and dated articles."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.search import index

from cms.models.base import ContentPage, paginate

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "document-link", "ol", "ul", "image"]


class NewsIndexPage(ContentPage):
    """资讯列表: the newest articles first."""

    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("资讯列表页")

    def articles(self):
        return (
            NewsPage.objects.live()
            .public()
            .child_of(self)
            .select_related("image")
            .order_by("-date", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["articles"] = paginate(request, self.articles())
        return context


class NewsPage(ContentPage):
    """资讯: a dated article with an optional picture."""

    date = models.DateField(_("发布日期"), default=timezone.localdate)
    body = RichTextField(_("正文"), features=RICH_TEXT_FEATURES)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("配图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("图片的“描述”会作为替代文字读给读屏软件用户。"),
    )

    content_panels = ContentPage.content_panels + [
        FieldPanel("date"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_fields = ContentPage.search_fields + [index.SearchField("body")]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("资讯")

    def search_texts(self) -> list[str]:
        return [*super().search_texts(), self.body]
