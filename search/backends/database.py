"""Search straight from the relational database: the embedded default and the fallback.

The search issue replaces the substring match with full-text search (SQLite
FTS5 / PostgreSQL) over segmented words; the interface stays.
"""

from __future__ import annotations

import time
from functools import reduce
from operator import or_

from django.db.models import Q
from django.utils.html import escape

from search.backends.base import Progress, SearchBackend, SearchHit, SearchResult
from search.documents import DOCUMENT_TYPES

_TEXT_FIELDS = {
    "achievement": ("title", "summary", "description"),
    "need": ("title", "description"),
}


def _snippet(text: str, q: str, width: int = 60) -> str:
    pos = text.find(q) if q else -1
    start = max(0, pos - width // 2) if pos >= 0 else 0
    piece = text[start : start + width * 2]
    html = escape(piece)
    if q and pos >= 0:
        html = html.replace(escape(q), f"<mark>{escape(q)}</mark>")
    return ("…" if start else "") + html + ("…" if start + width * 2 < len(text) else "")


class DatabaseBackend(SearchBackend):
    name = "database"

    def search(self, q: str, *, types: list[str], page: int, page_size: int) -> SearchResult:
        started = time.monotonic()
        terms = q.split()
        hits: list[SearchHit] = []
        total = 0
        offset = (page - 1) * page_size
        for type_name in types:
            doc_type = DOCUMENT_TYPES[type_name]
            qs = doc_type.public_queryset()
            for term in terms:
                qs = qs.filter(
                    reduce(or_, (Q(**{f"{f}__icontains": term}) for f in _TEXT_FIELDS[type_name]))
                )
            count = qs.count()
            total += count
            for obj in qs.order_by("-published_at", "-id")[: offset + page_size]:
                doc = doc_type.to_document(obj)
                hits.append(
                    SearchHit(
                        id=obj.pk,
                        type=type_name,
                        title=obj.title,
                        url=doc["url"],
                        score=float(
                            sum(obj.title.count(t) * 2 + doc["text"].count(t) for t in terms)
                        ),
                        highlight=_snippet(doc["text"], terms[0] if terms else ""),
                    )
                )
        hits.sort(key=lambda h: -h.score)
        took = int((time.monotonic() - started) * 1000)
        return SearchResult(
            count=total, hits=hits[offset : offset + page_size], backend=self.name, took_ms=took
        )

    def index(self, type_name: str, ids: list[int]) -> None:
        return None  # reads the tables directly: nothing to keep in step

    def rebuild(self, progress: Progress | None = None) -> int:
        total = sum(t.public_queryset().count() for t in DOCUMENT_TYPES.values())
        if progress:
            progress(total, total)
        return total

    def health(self) -> dict:
        return {"backend": self.name, "status": "ok"}
