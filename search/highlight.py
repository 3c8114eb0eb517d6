"""Highlighted snippets from a document's original text, the same for every backend.

Query terms are normalised (search.analysis), the text is not: matching happens on
a character-for-character normalised copy so the marks land on the original text.
"""

from __future__ import annotations

import unicodedata

from django.utils.html import escape

from search import analysis

WIDTH = 80
PREFIX = 600  # characters of a long text searched first for the snippet's matches
CONVERSION_REACH = 32  # more than a traditional→simplified phrase spans


class _FoldTable(dict):
    """``str.translate`` table: each character to the first character of its normalised
    form (NFKC, case-folded), computed once per character and remembered."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        self[code] = folded = (unicodedata.normalize("NFKC", c).casefold() or c)[0]
        return folded


_FOLD = _FoldTable()


def _comparable(text: str) -> str:
    """Normalised like search.analysis, but exactly one character per character."""
    folded = text.translate(_FOLD)
    simplified = analysis.normalise_script(folded)
    return simplified if len(simplified) == len(folded) else folded


def _merged(haystack: str, terms: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of every term, overlapping ones joined (钙钛 + 钛矿 → 钙钛矿)."""
    found = []
    for term in set(terms):
        start = haystack.find(term)
        while start >= 0:
            found.append((start, start + len(term)))
            start = haystack.find(term, start + 1)
    spans: list[tuple[int, int]] = []
    for s, e in sorted(found):
        if spans and s < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(e, spans[-1][1]))
        else:
            spans.append((s, e))
    return spans


def _spans(haystack: str, terms: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for term in sorted(set(terms), key=len, reverse=True):
        start = haystack.find(term)
        while start >= 0:
            end = start + len(term)
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
            start = haystack.find(term, end)
    return sorted(spans)


def _marks(text: str, terms: list[str], width: int, find=_spans) -> list[tuple[int, int]]:
    """The matches of ``terms`` in ``text``, as far as the snippet shows them.

    A long text is read from a prefix first (normalising and searching the whole of
    it was most of a search's snippet time): enough once the window around the first
    match ends ``reach`` characters before the prefix does, since nothing beyond can
    change a match there. A match is displaced only by an overlapping one of a longer
    term, itself only by a still longer one, so the effect of a cut travels at most
    the summed lengths of the terms, plus what a script conversion phrase spans.
    Joined occurrences (``_merged``) grow by less than a term at a time: the same holds.
    """
    reach = sum(len(t) for t in set(terms)) + CONVERSION_REACH
    limit = PREFIX
    while True:
        spans = find(_comparable(text[:limit]), terms)
        if limit >= len(text):
            return spans
        if spans and max(0, spans[0][0] - width // 4) + width + reach <= limit:
            return spans
        limit *= 4


def snippet(
    text: str, terms: list[str], width: int = WIDTH, *, fallback: list[str] | None = None
) -> str:
    """About ``width`` characters of ``text`` around the first match, matches in <mark>;
    a text with none of ``terms`` has its ``fallback`` terms marked instead."""
    text = " ".join(text.split())
    if not text:
        return ""
    spans = _marks(text, [t for t in terms if t], width)
    if not spans and fallback:
        spans = _marks(text, [t for t in fallback if t], width, find=_merged)
    start = max(0, spans[0][0] - width // 4) if spans else 0
    end = min(len(text), start + width)
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out += [escape(text[pos:s]), "<mark>", escape(text[s:e]), "</mark>"]
        pos = e
    out.append(escape(text[pos:end]))
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")
