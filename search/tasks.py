"""Celery tasks of search: thin, id-based, idempotent."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from search import digest, reconcile, staff_words, topics
from search.backends import SearchUnavailable, indexing_backends
from search.backends.database import segment


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
def reindex_dictionary_words(words: list[str]) -> int:
    """Staff added, changed or removed dictionary words: re-cut what contains them."""
    return staff_words.reindex(words)


@shared_task
def rebuild_index() -> int:
    count = max(backend.rebuild() for backend in indexing_backends())
    topics.refit()
    return count


@shared_task
def refit_topics() -> int:
    """Beat (daily): learn the topics again from the listings as they are now; returns
    the number of listings the model was fitted on (0: too few for a model)."""
    model = topics.refit()
    return model.documents if model else 0


@shared_task
def reconcile_index() -> dict[str, int]:
    """Beat (every 30 minutes): index what was missed (dictionary words too), delete what
    should be gone."""
    reports = reconcile.reconcile_all()
    return {
        # Dictionary words whose re-indexing could not be queued when staff saved them.
        "dictionary": staff_words.catch_up(),
        "indexed": sum(r.indexed for r in reports),
        "removed": sum(r.removed for r in reports),
        "errors": sum(bool(r.error) for r in reports),
        # PostgreSQL: a new postings segment once many entries changed since the last.
        "segment": int(segment.refresh_if_stale()),
    }


@shared_task
def send_match_digests() -> int:
    """Beat (daily): make today's digests; their e-mails go out one task each."""
    made = digest.digest_build()
    for digest_id in digest.digests_unsent():
        if digest_id not in made:  # made now: already enqueued after the commit
            digest.enqueue_email(digest_id)
    return len(made)


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError, SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def email_digest(self, digest_id: int) -> bool:
    return digest.digest_email(digest_id=digest_id)
