"""What every content page shares: a summary, Chinese-segmented search text, pagination."""

from __future__ import annotations

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page
from wagtail.search import index

from search.analysis import join, words

PER_PAGE = 10


class ContentPage(Page):
    """A page with a summary that index pages, the home page and search results show.

    Wagtail's database search backend splits text on spaces and punctuation only, so a
    run of Chinese would be one token; ``search_words`` indexes the page segmented into
    words by the site's own analysis, so a query for 政策 finds 科技成果转化政策.
    """

    summary = models.TextField(
        _("摘要"), max_length=300, blank=True, help_text=_("列表和搜索结果中显示，300 字以内。")
    )

    content_panels = Page.content_panels + [FieldPanel("summary")]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("search_words"),
    ]

    class Meta:
        abstract = True

    def search_texts(self) -> list[str]:
        """The page's own text, plain; subclasses add their fields."""
        return [self.title, self.summary]

    def search_words(self) -> str:
        text = " ".join(strip_tags(str(part)) for part in self.search_texts() if part)
        return join(words(text))


def paginate(request, queryset, per_page: int = PER_PAGE) -> PaginatorPage:
    """One page of children; a bad or out-of-range ?page= shows the nearest real page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
