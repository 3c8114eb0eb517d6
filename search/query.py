"""From what a person typed to a backend-neutral query: weighted terms per index field.

Every backend scores a query the same way, as a sum of BM25 contributions, one
per clause (field, term, weight). Documents *match* when they contain at least
one query word, or enough of the query's character grams (``min_grams``): the
grams widen recall for a term the segmenter cut differently without letting a
shared single character drag the whole collection into the result count.

In the search box each query word and the character grams inside it form a
*group*: a group counts its stronger kind of evidence (the word, or its
characters and bigrams) rather than both. Otherwise a listing that contains the
exact word is paid twice for it (word and every gram), and one that says the
same thing in other words (超宽带 vs. 宽带, 冲深 vs. 拉深) cannot catch up, however
many of the query's other concepts it covers.
"""

from __future__ import annotations

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
GRAM_WEIGHT = 0.3  # match mode (weighted_words)
CHAR_WEIGHT = 0.4  # search box: a character of a query word
BIGRAM_WEIGHT = 0.4  # search box: a bigram inside a query word
CROSS_WEIGHT = 0.5  # …a bigram across two words (a hint of the phrase) counts this much of it
GRAM_SHARE = 0.6  # a gram-only match needs this share of the query's distinct grams
# A group scores max(word evidence, gram evidence) + TIE_BREAKER × the other (dis_max).
TIE_BREAKER = 0.0


@dataclass(frozen=True)
class Clause:
    field: str
    term: str
    weight: float
    # Clauses of one group (>= 0) score only their stronger evidence, word or grams
    # (see Query.groups); an ungrouped clause (-1) simply adds its score.
    group: int = -1


@dataclass
class Query:
    clauses: list[Clause] = field(default_factory=list)
    min_grams: int = 1  # distinct gram clauses a document without a word match must hit

    def __bool__(self) -> bool:
        return bool(self.clauses)

    def groups(self) -> list[int]:
        """Each clause's scoring group; an ungrouped clause is a group of its own."""
        top = max((c.group for c in self.clauses), default=-1) + 1
        return [c.group if c.group >= 0 else top + i for i, c in enumerate(self.clauses)]

    def terms(self, field_name: str) -> list[str]:
        """Distinct terms of a field (a term may stand in several groups)."""
        return list(dict.fromkeys(c.term for c in self.clauses if c.field == field_name))

    @property
    def highlight_terms(self) -> list[str]:
        words = self.terms(WORDS)
        return words or self.fallback_highlight_terms or self.terms(GRAMS)

    @property
    def fallback_highlight_terms(self) -> list[str]:
        """What to mark in a listing matched by grams alone (it holds no query word):
        the query's bigrams it does hold."""
        return [g for g in self.terms(GRAMS) if len(g) > 1]


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
    """The search box: every query word, and the character grams inside it as its fallback.

    A word and its grams form one group (the listing is credited for the word *or*
    for its characters, whichever says more); a bigram across two words is a
    group of its own at ``CROSS_WEIGHT``.
    """
    text = analysis.normalise(q)
    spans = analysis.query_word_spans(text)
    # (field, term, group) -> weight: a term inside two words counts in both groups.
    weights: dict[tuple[str, str, int], float] = {}
    for group, (_start, _end, word) in enumerate(spans):
        for field_name, weight in ((WORDS, WORD_WEIGHT), (TITLE, TITLE_WEIGHT)):
            weights[(field_name, word, group)] = weight
    for start, end, gram in analysis.gram_spans(text):
        owner = next((i for i, (s, e, _w) in enumerate(spans) if s <= start and end <= e), -1)
        weight = CHAR_WEIGHT if len(gram) == 1 else BIGRAM_WEIGHT
        key = (GRAMS, gram, owner)
        weights[key] = weights.get(key, 0.0) + (weight if owner >= 0 else weight * CROSS_WEIGHT)
    n_grams = len({t for f, t, _g in weights if f == GRAMS})
    return Query(
        clauses=[Clause(f, t, w, g) for (f, t, g), w in weights.items() if w > 0],
        min_grams=max(1, round(GRAM_SHARE * n_grams)),
    )
