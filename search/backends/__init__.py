"""Search backends behind one interface; settings.SEARCH_BACKEND picks one."""

from __future__ import annotations

from django.conf import settings

from search.backends.base import SearchBackend, SearchHit, SearchResult, SearchUnavailable


def get_backend(name: str | None = None) -> SearchBackend:
    name = name or settings.SEARCH_BACKEND
    if name == "elasticsearch":
        from search.backends.elastic import ElasticsearchBackend

        return ElasticsearchBackend()
    from search.backends.database import DatabaseBackend

    return DatabaseBackend()


__all__ = ["SearchBackend", "SearchHit", "SearchResult", "SearchUnavailable", "get_backend"]
