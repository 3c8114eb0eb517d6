"""What a person typed into a search or filter box, made safe to query with.

A query string reaches the database and the search engines as a parameter, and some
characters have no place there: PostgreSQL refuses a NUL in any text, and SQLite's
full-text MATCH reads one as the end of the string. Such characters cannot be typed,
only sent, so they become spaces rather than errors.
"""

from __future__ import annotations

# A search box asks for key words, not a document: longer text is cut to this many
# characters (a pasted paragraph still finds what its first sentences are about).
MAX_QUERY_LENGTH = 200

# C0 and C1 control characters (Unicode category Cc) and lone surrogates (Cs).
_CONTROL = {code: " " for code in (*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0xD800, 0xE000))}


def clean(text: str | None) -> str:
    """Control characters out, each run of whitespace one space, ends trimmed."""
    return " ".join((text or "").translate(_CONTROL).split())


def query_text(text: str | None) -> tuple[str, bool]:
    """``clean`` text cut to ``MAX_QUERY_LENGTH``, and whether anything was cut."""
    text = clean(text)
    if len(text) <= MAX_QUERY_LENGTH:
        return text, False
    return text[:MAX_QUERY_LENGTH].rstrip(), True
