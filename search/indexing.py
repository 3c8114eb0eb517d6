"""A document as an index stores it: the analysed token streams next to the display fields.

Both backends store exactly these streams, so they score the same tokens.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from search import analysis
from search.query import GRAMS, TITLE, WORDS


def analysed(title: str, text: str) -> dict[str, str]:
    """The three searchable token streams of a title and a text (space-joined)."""
    title_n, text_n = analysis.normalise(title), analysis.normalise(text)
    title_words = analysis.words(title_n, normalised=True)
    text_words = analysis.words(text_n, normalised=True)
    grams = analysis.grams(title_n, normalised=True) + analysis.grams(text_n, normalised=True)
    return {
        WORDS: analysis.join(title_words + text_words),
        TITLE: analysis.join(title_words),
        GRAMS: analysis.join(grams),
    }


def index_row(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (from search.documents) plus its token streams."""
    return {**doc, **analysed(doc["title"], doc["text"])}


PARALLEL_CHUNK = 2000  # documents read (in this process) and analysed per round


def index_rows(
    docs: Iterable[dict[str, Any]],
    *,
    workers: int = 1,
    transform: Callable[[dict[str, Any]], Any] = index_row,
) -> Iterator[Any]:
    """``transform`` (by default ``index_row``) of each document, in order.

    Analysis is most of a rebuild's CPU time; with ``workers`` > 1 it runs in that
    many forked processes (the documents are still read here, in this process's
    database connection; ``transform`` must be a module-level function or a
    ``functools.partial`` of one). Celery's own worker processes may not fork:
    there, and for ``workers`` = 1, it runs inline.
    """
    if workers <= 1:
        yield from map(transform, docs)
        return
    try:
        pool = multiprocessing.get_context("fork").Pool(workers)
    except AssertionError:  # "daemonic processes are not allowed to have children"
        yield from map(transform, docs)
        return
    with pool:
        docs = iter(docs)
        while chunk := list(islice(docs, PARALLEL_CHUNK)):
            yield from pool.map(transform, chunk, chunksize=100)
