"""Celery tasks for indexing: thin, id-based, idempotent."""

from __future__ import annotations

from celery import shared_task

from search.backends import SearchUnavailable, indexing_backends


@shared_task(
    bind=True,
    autoretry_for=(SearchUnavailable,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def index_objects(self, type_name: str, ids: list[int]) -> int:
    # The database index first: it never waits for Elasticsearch, and a retry
    # after an Elasticsearch outage rewrites the same rows (harmless).
    for backend in indexing_backends():
        backend.index(type_name, ids)
    return len(ids)


@shared_task
def rebuild_index() -> int:
    return max(backend.rebuild() for backend in indexing_backends())
