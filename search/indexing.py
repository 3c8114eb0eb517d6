"""A document as an index stores it: the analysed token streams next to the display fields.

Both backends store exactly these streams, so they score the same tokens.
"""

from __future__ import annotations

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
