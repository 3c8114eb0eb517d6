"""The one search entry point used by pages and the API.

If Elasticsearch cannot answer, the database backend answers instead and the
result says so (spec §5: nothing errors).
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _

from search.backends import SearchResult, SearchUnavailable, get_backend
from search.documents import resolve_types

logger = logging.getLogger(__name__)
MAX_PAGE_SIZE = 100


def search(
    q: str, *, type_filter: str | None = None, page: int = 1, page_size: int = 20
) -> SearchResult:
    page = max(1, page)
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    types = [t.name for t in resolve_types(type_filter)]
    backend = get_backend()
    try:
        return backend.search(q.strip(), types=types, page=page, page_size=page_size)
    except SearchUnavailable:
        if backend.name == "database":
            raise
        logger.warning("Elasticsearch unavailable; answering from the database", exc_info=True)
        result = get_backend("database").search(
            q.strip(), types=types, page=page, page_size=page_size
        )
        result.notice = _("全文检索服务暂时不可用，以下为数据库检索结果。")
        return result
