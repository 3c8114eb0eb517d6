"""Matching: a need's description read as a query for achievements (and back).

For now a description becomes a query of its most telling words: each word
weighted by (1 + log tf) · idf in the index it is matched against, the top
``MATCH_TERMS`` kept, weights scaled to the best one. A description rarely uses
the very words of the listing that answers it, so the best matches are then
re-ranked by topic similarity to the description, widened by the topics of those
matches (``ranked``, search/topics.py). A site too small for a topic model gets
pseudo-relevance feedback in words instead: the words that stand out in the best
first-round matches are added with a lower weight and the query is ranked again.
The full matching engine (field, TRL, budget, cooperation-mode and region fit,
explanations, dismissals) builds on ``match_query``/``ranked``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from search import analysis, topics
from search.backends.base import Ranked, Ranking, SearchBackend
from search.query import WORDS, Query, weighted_words

# Tuned on the development benchmarks (docs/benchmarks.md).
MATCH_TERMS = 50
MATCH_TITLE_WEIGHT = 0.0  # a description's words are not title words: the title field adds noise
FEEDBACK_DOCS = 30  # feedback in words: only without a topic model (match_query)
FEEDBACK_TERMS = 50
FEEDBACK_WEIGHT = 1.0


def idf(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def _scaled(scores: dict[str, float], size: int) -> dict[str, float]:
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:size]
    return {w: s / best[0][1] for w, s in best} if best else {}


def term_weights(text: str, backend: SearchBackend, *, size: int = 0) -> dict[str, float]:
    """The ``size`` most telling words of ``text`` with weights in (0, 1]."""
    counts = Counter(analysis.query_words(text))
    if not counts:
        return {}
    n_docs, dfs = backend.doc_freqs(WORDS, list(counts))
    scored = {
        w: (1 + math.log(c)) * idf(n_docs, dfs.get(w, 0))
        for w, c in counts.items()
        if dfs.get(w, 0) > 0  # a word no document has cannot help
    }
    return _scaled(scored, size or MATCH_TERMS)


def feedback_weights(
    items: list[Ranked], backend: SearchBackend, *, size: int = 0
) -> dict[str, float]:
    """Words that stand out in the best matches, weighted by match score · tf share · idf."""
    if not items or items[0].score <= 0:
        return {}
    share: dict[str, float] = defaultdict(float)
    for item in items:
        tokens = item.words.split()
        ratio, length = item.score / items[0].score, len(tokens)
        for word, count in Counter(tokens).items():
            share[word] += ratio * count / length  # (score share · count) / length, as ever
    size = size or FEEDBACK_TERMS
    # Best first; reverse=True keeps equal shares in their first-seen order, as a key of
    # -share did.
    candidates = sorted(share, key=share.__getitem__, reverse=True)[: size * 4]
    n_docs, dfs = backend.doc_freqs(WORDS, candidates)
    scored = {w: share[w] * idf(n_docs, dfs[w]) for w in candidates if dfs.get(w)}
    return _scaled(scored, size)


def match_query(text: str, backend: SearchBackend, *, types: list[str] | None = None) -> Query:
    """The query a description stands for (what a need or challenge asks for).

    Feedback from the first matches comes in one of two ways. With a topic model,
    ``ranked`` widens the description's topic by the topics of its best matches,
    which needs no second round to the index. Without one (a site of fewer than
    ``topics.MIN_DOCUMENTS`` listings), the words that stand out in the first round's
    matches are added here, and the query is ranked again."""
    weights = term_weights(text, backend)
    if not weights:
        return Query()
    first = weighted_words(weights, title_weight=MATCH_TITLE_WEIGHT)
    if FEEDBACK_DOCS and types and backend.topic_model() is None:
        ranking = backend.rank(
            first, types=types, limit=FEEDBACK_DOCS, with_words=True, count=False
        )
        for word, weight in feedback_weights(ranking.items, backend).items():
            weights[word] = weights.get(word, 0.0) + FEEDBACK_WEIGHT * weight
    return weighted_words(weights, title_weight=MATCH_TITLE_WEIGHT)


def ranked(
    backend: SearchBackend, query: Query, text: str, *, types: list[str], limit: int
) -> list[Ranked]:
    """The best ``limit`` listings for ``query`` (the match query of ``text``), with their
    words, the first ones re-ranked by topic similarity to ``text`` (search/topics.py)."""
    model = backend.topic_model()
    size = max(limit, topics.WINDOW) if model else limit
    # A ranking, no total.
    ranking = backend.rank(query, types=types, limit=size, with_words=True, count=False)
    power = topics.MATCH_FEEDBACK_POWER
    reranked = topics.rerank(ranking.items, analysis.query_words(text), model, feedback_power=power)
    return reranked[:limit]


def match(backend: SearchBackend, text: str, *, types: list[str], limit: int = 10) -> Ranking:
    """Listings of ``types`` ranked for the description ``text``."""
    query = match_query(text, backend, types=types)
    if not query:
        return Ranking(count=0, items=[])
    items = ranked(backend, query, text, types=types, limit=limit)
    return Ranking(count=len(items), items=items)
