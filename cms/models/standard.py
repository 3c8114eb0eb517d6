"""Standard pages (关于我们, 服务指南 …): a title, a summary and a free body."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.search import index

from cms.blocks import BodyBlock
from cms.models.base import ContentPage


class StandardPage(ContentPage):
    body = StreamField(BodyBlock(), verbose_name=_("正文"), blank=True)

    content_panels = ContentPage.content_panels + [FieldPanel("body")]
    search_fields = ContentPage.search_fields + [index.SearchField("body")]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("普通页面")

    def search_texts(self) -> list[str]:
        return [*super().search_texts(), *self.body.stream_block.get_searchable_content(self.body)]

    def child_pages(self):
        """Sub-pages listed under an about page (关于我们 → 平台介绍, 联系我们 …)."""
        return self.get_children().live().public().specific()
