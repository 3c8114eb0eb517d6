"""Elasticsearch 9 backend.

Each document type lives in a concrete index ``<prefix>-<type>-<timestamp>``
behind the alias ``<prefix>-<type>``; a rebuild fills a new index and swaps the
alias in one atomic call, so searches never see a half-built index. Only core
features are used (the CI cluster has no analysis-common, painless or reindex):
the token streams come pre-analysed from search/analysis.py into
``whitespace`` fields, and a query is a bool of weighted ``term`` clauses, so
the scores are the same per-field BM25 sums the database backend computes.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils import timezone
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from search.backends.base import (
    FACETS,
    Progress,
    Ranked,
    Ranking,
    SearchBackend,
    SearchUnavailable,
)
from search.documents import DOCUMENT_TYPES, iter_documents
from search.indexing import index_row, index_rows
from search.query import FIELDS, GRAMS, TIE_BREAKER, Query

_TOKENS = {"type": "text", "analyzer": "whitespace", "similarity": "BM25"}
MAPPING = {
    "_source": {"excludes": ["title_words", "grams"]},
    "properties": {
        "id": {"type": "long"},
        "type": {"type": "keyword"},
        # Original text, standard analyzer (CJK as single characters): ad-hoc queries.
        "title": {"type": "text", "analyzer": "standard"},
        "text": {"type": "text", "analyzer": "standard"},
        **{f: _TOKENS for f in FIELDS},
        "tech_field": {"type": "keyword"},
        "tech_subfield": {"type": "keyword"},
        "industry": {"type": "keyword"},
        "organisation": {"type": "keyword"},
        "organisation_kind": {"type": "keyword"},
        "region": {"type": "keyword"},
        "cooperation_modes": {"type": "keyword"},
        "published_at": {"type": "date"},
        "updated_at": {"type": "date", "index": False},  # read back by the reconcile task
        "url": {"type": "keyword", "index": False},
    },
}
INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}
_FACET_FIELDS = {name: name for name in FACETS}
_SORTS = {
    "relevance": ["_score", {"published_at": {"order": "desc", "missing": "_last"}}],
    "newest": [{"published_at": {"order": "desc", "missing": "_last"}}, {"id": "desc"}],
    "oldest": [{"published_at": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
}
_ERRORS = (TransportError, ApiError)


def _scoring(query: Query) -> list[dict]:
    """One weighted ``term`` per clause; a group's word and gram evidence under ``dis_max``."""
    kinds: dict[int, tuple[list[dict], list[dict]]] = {}
    for clause, group in zip(query.clauses, query.groups(), strict=True):
        term = {"term": {clause.field: {"value": clause.term, "boost": clause.weight}}}
        kinds.setdefault(group, ([], []))[clause.field == GRAMS].append(term)
    out = []
    for parts in kinds.values():
        queries = [q[0] if len(q) == 1 else {"bool": {"should": q}} for q in parts if q]
        if len(queries) == 1:
            out.append(queries[0])
        else:
            out.append({"dis_max": {"queries": queries, "tie_breaker": TIE_BREAKER}})
    return out


def query_dsl(query: Query, filters: list[dict]) -> dict:
    """The bool query: weighted term clauses score, the match condition filters."""
    if not query:
        return {"bool": {"filter": filters}} if filters else {"match_all": {}}
    should = _scoring(query)
    words = list(dict.fromkeys(c.term for c in query.clauses if c.field != GRAMS))
    grams = [{"term": {GRAMS: term}} for term in query.terms(GRAMS)]  # distinct: they are counted
    if not grams:
        # Words only (the match path): "has a query word" is what the scoring clauses say
        # already, and a separate terms filter over common words costs a third of the time.
        return {"bool": {"should": should, "minimum_should_match": 1, "filter": filters}}
    matches: list[dict] = [{"terms": {"words": words}}] if words else []
    if grams:
        matches.append({"bool": {"should": grams, "minimum_should_match": query.min_grams}})
    condition = {"bool": {"should": matches, "minimum_should_match": 1}}
    return {"bool": {"should": should, "filter": [*filters, condition]}}


def bulk_behind(
    client: Elasticsearch,
    actions: Iterable[dict[str, Any]],
    *,
    chunk_size: int = 500,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Bulk-index ``actions`` from a second thread while this one produces the next chunk.

    Producing (reading rows, analysing text) stays in the calling thread, which owns
    the database connection; the sender thread only talks to Elasticsearch.
    """
    chunks: queue.Queue[list | None] = queue.Queue(maxsize=2)
    errors: list[BaseException] = []

    def send() -> None:
        while (chunk := chunks.get()) is not None:
            if not errors:
                try:
                    helpers.bulk(client, chunk, chunk_size=chunk_size)
                except BaseException as exc:  # noqa: BLE001 — re-raised in the caller
                    errors.append(exc)

    sender = threading.Thread(target=send, name="es-bulk", daemon=True)
    sender.start()
    done, chunk = 0, []
    try:
        for action in actions:
            chunk.append(action)
            if len(chunk) == chunk_size:
                chunks.put(chunk)
                done, chunk = done + len(chunk), []
                if errors:
                    break
                if on_chunk:
                    on_chunk(done)
        if chunk and not errors:
            chunks.put(chunk)
            done += len(chunk)
    finally:
        chunks.put(None)
        sender.join()
    if errors:
        raise errors[0]
    return done


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, *, url: str | None = None, prefix: str | None = None) -> None:
        self.url = url or settings.ELASTICSEARCH_URL
        self.prefix = prefix or settings.SEARCH_INDEX_PREFIX

    @cached_property
    def client(self) -> Elasticsearch:
        return Elasticsearch(
            self.url,
            request_timeout=settings.ELASTICSEARCH_DSL["default"]["request_timeout"],
            max_retries=0,
        )

    def alias(self, type_name: str) -> str:
        return f"{self.prefix}-{type_name}"

    # --- writing ---------------------------------------------------------------
    def _create_index(self, type_name: str) -> str:
        name = f"{self.alias(type_name)}-{timezone.now():%Y%m%d%H%M%S%f}"
        self.client.indices.create(index=name, mappings=MAPPING, settings=INDEX_SETTINGS)
        return name

    def _ensure_alias(self, type_name: str) -> None:
        if not self.client.indices.exists_alias(name=self.alias(type_name)):
            name = self._create_index(type_name)
            self.client.indices.put_alias(index=name, name=self.alias(type_name))

    def write(
        self,
        type_name: str,
        docs: Iterable[dict[str, Any]],
        *,
        remove: list[int],
        refresh: bool | str = "wait_for",
    ) -> int:
        """Index ``docs`` and delete the ``remove`` ids that are not among them."""
        alias = self.alias(type_name)
        try:
            self._ensure_alias(type_name)
            written, kept = 0, set()
            actions = (
                {"_op_type": "index", "_index": alias, "_id": d["id"], "_source": index_row(d)}
                for d in docs
            )
            for ok, item in helpers.streaming_bulk(
                self.client, actions, chunk_size=500, raise_on_error=False
            ):
                written += ok
                kept.add(int(item["index"]["_id"]))
            deletes = [
                {"_op_type": "delete", "_index": alias, "_id": pk}
                for pk in remove
                if pk not in kept
            ]
            helpers.bulk(self.client, deletes, raise_on_error=False)
            if refresh:
                self.client.indices.refresh(index=alias)
        except _ERRORS as exc:
            raise SearchUnavailable(str(exc)) from exc
        return written

    def index(self, type_name: str, ids: list[int]) -> None:
        self.write(type_name, iter_documents(DOCUMENT_TYPES[type_name], ids), remove=list(ids))

    def _swap_alias(self, type_name: str, new_index: str) -> None:
        alias = self.alias(type_name)
        try:
            old = list(self.client.indices.get_alias(name=alias).keys())
        except NotFoundError:
            old = []
        actions = [{"add": {"index": new_index, "alias": alias}}]
        actions += [{"remove": {"index": name, "alias": alias}} for name in old]
        self.client.indices.update_aliases(actions=actions)
        for name in old:
            self.client.indices.delete(index=name, ignore_unavailable=True)

    def rebuild(self, progress: Progress | None = None, *, workers: int = 1) -> int:
        done = 0
        total = sum(t.public_queryset().count() for t in DOCUMENT_TYPES.values())
        for type_name, doc_type in DOCUMENT_TYPES.items():
            new_index = self._create_index(type_name)
            # Nobody searches the new index before the swap: no refreshes while it fills.
            self.client.indices.put_settings(index=new_index, settings={"refresh_interval": "-1"})
            rows = index_rows(iter_documents(doc_type), workers=workers)
            actions = ({"_index": new_index, "_id": row["id"], "_source": row} for row in rows)
            done += bulk_behind(
                self.client,
                actions,
                on_chunk=(lambda n, base=done: progress(base + n, total)) if progress else None,
            )
            self.client.indices.put_settings(index=new_index, settings={"refresh_interval": None})
            self.client.indices.refresh(index=new_index)
            self._swap_alias(type_name, new_index)
        if progress:
            progress(done, total)
        return done

    def versions(self, type_name: str) -> dict[int, Any]:
        try:
            hits = helpers.scan(
                self.client,
                index=self.alias(type_name),
                query={"query": {"match_all": {}}},
                _source=["updated_at"],
                size=2000,
            )
            return {int(h["_id"]): h["_source"].get("updated_at") for h in hits}
        except NotFoundError:  # no index yet: nothing is indexed
            return {}
        except _ERRORS as exc:
            raise SearchUnavailable(str(exc)) from exc

    def drop(self) -> None:
        """Delete every index of this prefix (tests and search_eval clean up with it)."""
        # Clusters refuse wildcard deletes (action.destructive_requires_name): name each one.
        names = list(self.client.indices.get(index=f"{self.prefix}-*", allow_no_indices=True))
        if names:
            self.client.indices.delete(index=",".join(names), ignore_unavailable=True)

    # --- reading ---------------------------------------------------------------
    def _filters(self, filters: dict[str, str] | None) -> list[dict]:
        return [
            {"term": {_FACET_FIELDS[k]: v}}
            for k, v in (filters or {}).items()
            if k in _FACET_FIELDS
        ]

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
    ) -> Ranking:
        source = ["id", "type", "title", "url", "text"] + (["words"] if with_words else [])
        aggs = (
            {name: {"terms": {"field": f, "size": 50}} for name, f in _FACET_FIELDS.items()}
            if facets
            else None
        )
        try:
            response = self.client.search(
                index=",".join(self.alias(t) for t in types),
                query=query_dsl(query, self._filters(filters)),
                sort=_SORTS.get(sort, _SORTS["relevance"]),
                source_includes=source,
                aggs=aggs,
                from_=offset,
                size=limit,
                track_total_hits=True,
                track_scores=True,
                # One index per type: global term statistics make scores comparable
                # across types (and equal to the database backend's single table).
                search_type="dfs_query_then_fetch" if len(types) > 1 else None,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        except _ERRORS as exc:
            raise SearchUnavailable(str(exc)) from exc
        items = [
            Ranked(
                type=h["_source"]["type"],
                id=h["_source"]["id"],
                score=float(h.get("_score") or 0.0),
                title=h["_source"].get("title", ""),
                url=h["_source"].get("url", ""),
                text=h["_source"].get("text", ""),
                words=h["_source"].get("words", ""),
            )
            for h in response["hits"]["hits"]
        ]
        facet_counts = {
            name: {b["key"]: b["doc_count"] for b in agg["buckets"]}
            for name, agg in response.get("aggregations", {}).items()
        }
        return Ranking(count=response["hits"]["total"]["value"], items=items, facets=facet_counts)

    def doc_freqs(self, field_name: str, terms: list[str]) -> tuple[int, dict[str, int]]:
        terms = list(dict.fromkeys(terms))
        index = ",".join(self.alias(t) for t in DOCUMENT_TYPES)
        filters = {str(i): {"term": {field_name: t}} for i, t in enumerate(terms)}
        try:
            response = self.client.search(
                index=index,
                size=0,
                track_total_hits=True,
                aggs={"df": {"filters": {"filters": filters}}} if filters else None,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        except _ERRORS as exc:
            raise SearchUnavailable(str(exc)) from exc
        buckets = response.get("aggregations", {}).get("df", {}).get("buckets", {})
        counts = {t: buckets.get(str(i), {}).get("doc_count", 0) for i, t in enumerate(terms)}
        return response["hits"]["total"]["value"], counts

    def health(self) -> dict:
        try:
            status = self.client.cluster.health(timeout="2s")["status"]
        except _ERRORS as exc:
            return {"backend": self.name, "status": "down", "error": type(exc).__name__}
        return {"backend": self.name, "status": "ok" if status in ("green", "yellow") else status}
