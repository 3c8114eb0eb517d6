"""From what a person typed to a backend-neutral query: weighted terms per index field.

Every backend scores a query the same way, as a sum of BM25 contributions, one
per clause (field, term, weight). Documents *match* when they contain at least
one query word, or enough of the query's character grams (``min_grams``): the
grams widen recall for a term the segmenter cut differently without letting a
shared single character drag the whole collection into the result count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from search import analysis

# Index fields (each is a space-joined token stream; see search/indexing.py).
WORDS = "words"  # words of title and text together
TITLE = "title_words"  # words of the title again: a title match counts twice
GRAMS = "grams"  # CJK characters and character bigrams of title and text
FIELDS = (WORDS, TITLE, GRAMS)

# Tuned on the development benchmarks (docs/benchmarks.md).
WORD_WEIGHT = 1.0
TITLE_WEIGHT = 1.0
GRAM_WEIGHT = 0.3
GRAM_SHARE = 0.6  # a gram-only match needs this share of the query's distinct grams


@dataclass(frozen=True)
class Clause:
    field: str
    term: str
    weight: float


@dataclass
class Query:
    clauses: list[Clause] = field(default_factory=list)
    min_grams: int = 1  # distinct gram clauses a document without a word match must hit

    def __bool__(self) -> bool:
        return bool(self.clauses)

    def terms(self, field_name: str) -> list[str]:
        return [c.term for c in self.clauses if c.field == field_name]

    @property
    def highlight_terms(self) -> list[str]:
        words = self.terms(WORDS)
        return words or [g for g in self.terms(GRAMS) if len(g) > 1] or self.terms(GRAMS)


def weighted_words(
    weights: dict[str, float],
    *,
    grams: dict[str, float] | None = None,
    title_weight: float = TITLE_WEIGHT,
) -> Query:
    """A query over words with the given weights (and optionally grams)."""
    clauses = [Clause(WORDS, w, WORD_WEIGHT * x) for w, x in weights.items()]
    clauses += [Clause(TITLE, w, title_weight * x) for w, x in weights.items()]
    grams = grams or {}
    clauses += [Clause(GRAMS, g, GRAM_WEIGHT * x) for g, x in grams.items()]
    min_grams = max(1, round(GRAM_SHARE * len(grams)))
    return Query(clauses=[c for c in clauses if c.weight > 0], min_grams=min_grams)


def build_search_query(q: str) -> Query:
    """The search box: every word of the query, and its character grams as a fallback."""
    text = analysis.normalise(q)
    words = Counter(analysis.query_words(text, normalised=True))
    grams = Counter(analysis.grams(text, normalised=True))
    return weighted_words(
        {w: float(n) for w, n in words.items()}, grams={g: float(n) for g, n in grams.items()}
    )
