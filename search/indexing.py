"""A document as an index stores it: the analysed token streams next to the display fields.

Both backends store exactly these streams, so they score the same tokens.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from typing import Any

from search import analysis
from search.query import GRAMS, TITLE, WORDS


def analysed(title: str, text: str) -> dict[str, str]:
    """The three searchable token streams of a title and a text (space-joined)."""
    title_n, text_n = analysis.normalise(title), analysis.normalise(text)
    title_words = analysis.words(title_n, normalised=True)
    return {
        WORDS: analysis.join(title_words + analysis.words(text_n, normalised=True)),
        TITLE: analysis.join(title_words),
        GRAMS: analysis.gram_text(title_n, text_n),  # join(grams(title) + grams(text))
    }


def index_row(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (from search.documents) plus its token streams."""
    return {**doc, **analysed(doc["title"], doc["text"])}


PARALLEL_CHUNK = 2000  # documents read (in this process) and analysed per round

Streams = dict[str, str]


def _analyse(pair: tuple[str, str], extra: Callable[[Streams], Any] | None) -> tuple:
    streams = analysed(*pair)
    return streams, extra(streams) if extra else None


def _pool(workers: int):
    """A pool of ``workers`` forked processes, or None: analyse inline."""
    if workers <= 1:
        return None
    try:
        return multiprocessing.get_context("fork").Pool(workers)
    except AssertionError:  # "daemonic processes are not allowed to have children"
        return None  # Celery's own worker processes may not fork


def analysed_rows(
    docs: Iterable[dict[str, Any]],
    *,
    workers: int = 1,
    extra: Callable[[Streams], Any] | None = None,
) -> Iterator[tuple[dict[str, Any], Streams, Any]]:
    """``(doc, analysed(title, text), extra(streams) or None)`` of each document, in order.

    Analysis is most of a rebuild's CPU time; with ``workers`` > 1 it runs in that
    many forked processes (``extra`` too: a module-level function or a
    ``functools.partial`` of one). The documents are read here, in this process's
    database connection, while the workers analyse the previous chunk; only titles
    and texts go to the workers and only token streams come back, never whole
    documents.
    """
    pool = _pool(workers)
    if pool is None:
        for doc in docs:
            streams = analysed(doc["title"], doc["text"])
            yield doc, streams, extra(streams) if extra else None
        return
    task = partial(_analyse, extra=extra)
    with pool:
        docs, pending = iter(docs), None
        while True:
            chunk = list(islice(docs, PARALLEL_CHUNK))
            started = (
                pool.map_async(task, [(d["title"], d["text"]) for d in chunk], chunksize=100)
                if chunk
                else None
            )
            if pending:
                previous, results = pending
                for doc, (streams, value) in zip(previous, results.get(), strict=True):
                    yield doc, streams, value
            if started is None:
                return
            pending = chunk, started


def index_rows(
    docs: Iterable[dict[str, Any]],
    *,
    workers: int = 1,
    transform: Callable[[dict[str, Any]], Any] = index_row,
) -> Iterator[Any]:
    """``transform`` (by default ``index_row``) of each document, in order.

    With ``workers`` > 1 the work runs in that many forked processes (see
    ``analysed_rows``; another ``transform`` must be a module-level function or a
    ``functools.partial`` of one, and receives whole documents).
    """
    if transform is index_row:
        for doc, streams, _ in analysed_rows(docs, workers=workers):
            yield {**doc, **streams}
        return
    pool = _pool(workers)
    if pool is None:
        yield from map(transform, docs)
        return
    with pool:
        docs = iter(docs)
        while chunk := list(islice(docs, PARALLEL_CHUNK)):
            yield from pool.map(transform, chunk, chunksize=100)


def reusing_rows(
    docs: Iterable[dict[str, Any]],
    stored: Callable[[list[int]], dict[int, tuple[str, str, Streams]]],
    *,
    workers: int = 1,
) -> Iterator[dict[str, Any]]:
    """``index_row`` of each document, in order, with the token streams taken from
    ``stored`` (``id → (title, text, streams)``, asked once per chunk of documents)
    wherever the stored title and text are the document's own.

    An Elasticsearch rebuild reads them from the database index, which is kept in step
    whatever answers searches: analysing the text again would give the same streams
    (search.analysis.fingerprint says when they were written by the same analysis).
    The rest is analysed as ``index_rows`` would.
    """
    docs = iter(docs)
    while chunk := list(islice(docs, PARALLEL_CHUNK)):
        known = stored([doc["id"] for doc in chunk])
        fresh: list[dict[str, Any]] = []
        for doc in chunk:
            kept = known.get(doc["id"])
            if kept is None or kept[0] != doc["title"] or kept[1] != doc["text"]:
                fresh.append(doc)
        # Worker processes only for a chunk that is mostly new (a pool per chunk).
        parallel = workers if len(fresh) > PARALLEL_CHUNK // 2 else 1
        analysed = {row["id"]: row for row in index_rows(fresh, workers=parallel)}
        for doc in chunk:
            row = analysed.get(doc["id"])
            yield row if row is not None else {**doc, **known[doc["id"]][2]}
