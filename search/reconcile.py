"""Catch the index up with the listings (spec §5: index updates missed while the broker or
Elasticsearch was down are caught up by a periodic reconcile task).

For each index and document type, what should be indexed (the public listings
and their ``updated_at``) is compared with what is (ids and the ``updated_at``
each was indexed with): listings missing or indexed from an older version are
indexed again, and documents no longer public are deleted, in batches through
the backend's own ``index`` (which writes public rows and removes the rest).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from search.backends import SearchBackend, SearchUnavailable, indexing_backends
from search.documents import DOCUMENT_TYPES

logger = logging.getLogger(__name__)
BATCH = 500


@dataclass
class Reconciled:
    backend: str
    type: str
    indexed: int = 0  # missing or stale documents written
    removed: int = 0  # documents of listings no longer public deleted
    error: str = ""


def _instant(value: Any) -> dt.datetime | None:
    """A stored timestamp (datetime, or ISO text from SQLite or Elasticsearch) as an instant."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
        if value is None:
            return None
    if timezone.is_naive(value):  # SQLite hands back naive UTC text
        value = timezone.make_aware(value, dt.UTC)
    return value


def differences(expected: dict[int, Any], indexed: dict[int, Any]) -> tuple[list[int], list[int]]:
    """(ids to index: missing or stale, ids to delete: indexed but no longer public)."""
    stale = [
        pk
        for pk, updated in expected.items()
        if pk not in indexed or _instant(indexed[pk]) != _instant(updated)
    ]
    extra = [pk for pk in indexed if pk not in expected]
    return sorted(stale), sorted(extra)


def reconcile_backend(backend: SearchBackend) -> list[Reconciled]:
    out = []
    for type_name, doc_type in DOCUMENT_TYPES.items():
        report = Reconciled(backend=backend.name, type=type_name)
        try:
            stale, extra = differences(doc_type.public_versions(), backend.versions(type_name))
            ids = stale + extra
            for start in range(0, len(ids), BATCH):
                backend.index(type_name, ids[start : start + BATCH])
            report.indexed, report.removed = len(stale), len(extra)
        except SearchUnavailable as exc:  # still down: the next run tries again
            logger.warning("Reconcile of %s/%s failed: %s", backend.name, type_name, exc)
            report.error = str(exc)[:200]
        if report.indexed or report.removed:
            logger.info(
                "Reconciled %s/%s: %s indexed, %s removed",
                backend.name,
                type_name,
                report.indexed,
                report.removed,
            )
        out.append(report)
    return out


def reconcile_all() -> list[Reconciled]:
    """Every index kept in step (the database's always, Elasticsearch's if configured)."""
    return [r for backend in indexing_backends() for r in reconcile_backend(backend)]
