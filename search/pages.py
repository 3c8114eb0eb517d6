"""站内资讯 on the search page: live, public Wagtail pages (news, policies, events …).

Found by Wagtail's own search backend (the database one, settings.WAGTAILSEARCH_BACKENDS),
never through ``cms`` (nothing imports it). That backend splits text on spaces, so
content pages index their text segmented by search.analysis (``search_words``),
and the query is segmented the same way here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from wagtail.models import Page

from search import analysis

MAX_PAGES = 5
# Wagtail's database backends build one nested expression per word (PostgreSQL's
# recursion runs out near a few hundred): a pasted paragraph is searched by its first words.
MAX_WORDS = 32


@dataclass
class SitePage:
    title: str
    url: str
    summary: str


def site_pages(
    q: str, request: HttpRequest | None = None, limit: int = MAX_PAGES
) -> list[SitePage]:
    """The best few pages for ``q`` (a fixed number of queries: search, then the page types).

    Only its words are searched, never the raw text: Wagtail's SQLite backend quotes
    a term without escaping it (a stray ``"`` is a syntax error there).
    """
    found_words = [w for w in dict.fromkeys(analysis.query_words(q)) if '"' not in w]
    words = analysis.join(found_words[:MAX_WORDS])
    if not words:
        return []
    found = list(Page.objects.live().public().search(words, operator="or")[:limit])
    specific = {p.pk: p for p in Page.objects.filter(pk__in=[p.pk for p in found]).specific()}
    pages = []
    for page in found:
        page = specific.get(page.pk, page)
        url = page.get_url(request)
        if url:
            summary = getattr(page, "summary", "") or page.search_description or ""
            pages.append(SitePage(title=page.title, url=url, summary=summary))
    return pages
