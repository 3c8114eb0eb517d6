"""The one search entry point used by pages and the API.

If Elasticsearch cannot answer, the database backend answers instead and the
result says so (spec §5: nothing errors).
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from lib import text
from search.backends import SearchResult, SearchUnavailable, get_backend
from search.backends.base import FACETS, SORTS
from search.documents import resolve_types

logger = logging.getLogger(__name__)
MAX_PAGE_SIZE = 100
# Results a person can page through. Elasticsearch answers no deeper (its default
# index.max_result_window), so neither backend does: a page past it is empty, with the count.
MAX_RESULT_WINDOW = 10_000


def clean_filters(filters: dict[str, str] | None) -> dict[str, str]:
    """Only known facets with a value ("type" is ``type_filter``'s job)."""
    cleaned = {k: text.clean(v) for k, v in (filters or {}).items()}
    return {k: v for k, v in cleaned.items() if k in FACETS and k != "type" and v}


def search(
    q: str,
    *,
    type_filter: str | None = None,
    page: int = 1,
    page_size: int = 20,
    filters: dict[str, str] | None = None,
    sort: str = "relevance",
    facets: bool = False,
) -> SearchResult:
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    past_window = page * page_size > MAX_RESULT_WINDOW
    page = 1 if past_window else max(1, page)
    kwargs = {
        "types": [t.name for t in resolve_types(type_filter)],
        "page": page,
        "page_size": page_size,
        "filters": clean_filters(filters),
        "sort": sort if sort in SORTS else "relevance",
        "facets": facets,
    }
    q, cut = text.query_text(q)
    backend = get_backend()
    try:
        result = backend.search(q, **kwargs)
    except SearchUnavailable:
        if backend.name == "database":
            raise
        logger.warning("Elasticsearch unavailable; answering from the database", exc_info=True)
        result = get_backend("database").search(q, **kwargs)
        result.notice = _("全文检索服务暂时不可用，以下为数据库检索结果。")
    if past_window:
        result.hits = []
    if cut:
        shortened = _("关键词过长，只按前 %(n)s 个字符检索。") % {"n": text.MAX_QUERY_LENGTH}
        result.notice = " ".join(filter(None, [shortened, result.notice]))
    return result
