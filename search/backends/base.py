from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from search import phrases, topics
from search.highlight import snippet
from search.query import WORDS, Query, build_search_query


class SearchUnavailable(Exception):
    """The backend cannot answer now (e.g. Elasticsearch is down)."""


@dataclass
class SearchHit:
    id: int
    type: str
    title: str
    url: str
    score: float
    highlight: str = ""


@dataclass
class SearchResult:
    count: int
    hits: list[SearchHit]
    backend: str
    took_ms: int = 0
    notice: str = ""
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


# Facets every backend counts (spec §5); keys of ``filters`` are the same names.
FACETS = (
    "type",
    "tech_field",
    "trl_band",
    "cooperation_modes",
    "price_band",
    "organisation_kind",
    "region",
)
LIST_FACETS = ("cooperation_modes", "price_band")  # a listing may have several values
SORTS = ("relevance", "newest", "oldest")


@dataclass
class Ranked:
    """One ranked document with what a result page (or feedback) needs of it."""

    type: str
    id: int
    score: float
    title: str = ""
    url: str = ""
    text: str = ""
    words: str = ""


@dataclass
class Ranking:
    count: int
    items: list[Ranked]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


Progress = Callable[[int, int], None]


def count_facets(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Facet counts of matching rows (shared by backends that count in Python)."""
    out: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    for row in rows:
        for name in FACETS:
            values = row.get(name)
            for value in values if isinstance(values, list) else [values]:
                if value:
                    out[name][value] = out[name].get(value, 0) + 1
    return {k: dict(sorted(v.items(), key=lambda kv: (-kv[1], kv[0]))) for k, v in out.items()}


SITE_TOPICS = "site"


class SearchBackend:
    name = "base"
    # The topic model that re-ranks this index's results (search/topics.py): the site's
    # (SITE_TOPICS), or the one fitted on a benchmark corpus for an isolated index.
    topic_source: topics.TopicModel | str | None = SITE_TOPICS

    def topic_model(self) -> topics.TopicModel | None:
        return topics.current() if isinstance(self.topic_source, str) else self.topic_source

    # --- what each backend implements ----------------------------------------------
    def rank(
        self,
        query: Query,
        *,
        types: list[str],
        filters: dict[str, str] | None = None,
        sort: str = "relevance",
        offset: int = 0,
        limit: int = 10,
        facets: bool = False,
        with_words: bool = False,
        count: bool = True,
    ) -> Ranking:
        """Documents matching ``query`` (all of them if it is empty), best first.

        ``count=False``: the caller needs no total (a backend may then skip documents
        that cannot reach the top, and ``Ranking.count`` only counts the items)."""
        raise NotImplementedError

    def doc_freqs(self, field_name: str, terms: list[str]) -> tuple[int, dict[str, int]]:
        """(number of documents, documents containing each term) in one index field."""
        raise NotImplementedError

    def index(self, type_name: str, ids: list[int]) -> None:
        """(Re)index these rows; rows no longer public are removed."""
        raise NotImplementedError

    def rebuild(self, progress: Progress | None = None, *, workers: int = 1) -> int:
        """Index every public listing afresh (``workers`` processes analyse the text)."""
        raise NotImplementedError

    def versions(self, type_name: str) -> dict[int, Any]:
        """Every indexed id of a type and the ``updated_at`` it was indexed with (reconcile)."""
        raise NotImplementedError

    def health(self) -> dict:
        raise NotImplementedError

    # --- the search box, the same for every backend ----------------------------------
    def search(
        self,
        q: str,
        *,
        types: list[str],
        page: int,
        page_size: int,
        filters: dict[str, str] | None = None,
        sort: str = "relevance",
        facets: bool = False,
    ) -> SearchResult:
        started = time.monotonic()
        query = build_search_query(q)
        offset = (page - 1) * page_size
        # The first results of a relevance ranking are re-ranked by word order (a query
        # typed as one phrase, search/phrases.py) and by topic (search/topics.py): a page
        # that starts inside that window is cut from the re-ranked list.
        relevance = sort == "relevance" and bool(query) and offset < topics.WINDOW
        model = self.topic_model() if relevance else None
        pairs = phrases.query_pairs(q) if relevance else []
        reranked = model is not None or bool(pairs)
        ranking = self.rank(
            query,
            types=types,
            filters=filters,
            sort=sort,
            offset=0 if reranked else offset,
            limit=max(topics.WINDOW, offset + page_size) if reranked else page_size,
            facets=facets,
            with_words=reranked,
        )
        if reranked:
            items = phrases.rerank(ranking.items, pairs, topics.WINDOW)
            if model:
                words = [c.term for c in query.clauses if c.field == WORDS]
                items = topics.rerank(items, words, model)
            ranking.items = items[offset : offset + page_size]
        terms, fallback = query.highlight_terms, query.fallback_highlight_terms
        hits = [
            SearchHit(
                id=r.id,
                type=r.type,
                title=r.title,
                url=r.url,
                score=round(r.score, 4),
                highlight=snippet(r.text, terms, fallback=fallback),
            )
            for r in ranking.items
        ]
        return SearchResult(
            count=ranking.count,
            hits=hits,
            backend=self.name,
            took_ms=int((time.monotonic() - started) * 1000),
            facets=ranking.facets,
        )
