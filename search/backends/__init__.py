"""Search backends behind one interface; settings.SEARCH_BACKEND picks the one that answers.

The database backend's index is kept up to date whatever answers, so that it can
stand in when Elasticsearch is unreachable (spec §5).
"""

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


def indexing_backends() -> list[SearchBackend]:
    """Every index to keep in step: the database's always, Elasticsearch's if configured."""
    backends = [get_backend("database")]
    if settings.SEARCH_BACKEND != "database":
        backends.append(get_backend(settings.SEARCH_BACKEND))
    return backends


__all__ = [
    "SearchBackend",
    "SearchHit",
    "SearchResult",
    "SearchUnavailable",
    "get_backend",
    "indexing_backends",
]
