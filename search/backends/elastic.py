"""Elasticsearch 9 backend.

Each document type lives in a concrete index ``<prefix>-<type>-<timestamp>``
behind the alias ``<prefix>-<type>``; a rebuild fills a new index and swaps the
alias in one atomic call, so searches never see a half-built index. Only core
features are used (the CI cluster has no analysis-common, painless or reindex):
the token streams come pre-analysed from search/analysis.py into
``whitespace`` fields, and a query is a bool of weighted ``term`` clauses, so
the scores are the same per-field BM25 sums the database backend computes.

One index per type rather than one for all: a search within one type scores
with that type's own statistics, as it always has (a need's matches are ranked
among achievements), and a search over several types gathers theirs first
(``dfs_query_then_fetch``). One index for every type was tried: no faster on
two cores (a type filter costs what the statistics round saves, and two
shards search in parallel), and its collection-wide statistics reordered most
match lists at 100,000 listings.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property, partial
from typing import Any, NoReturn

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
from search.backends.database import DatabaseBackend
from search.documents import DOCUMENT_TYPES, iter_documents
from search.indexing import index_row, reusing_rows
from search.query import FIELDS, GRAMS, TIE_BREAKER, Query

# BM25 reads term frequencies and norms only (snippets are marked in Python, search/highlight.py):
# no positions makes the index smaller and indexing faster, with the same scores.
_TOKENS = {
    "type": "text",
    "analyzer": "whitespace",
    "similarity": "BM25",
    "index_options": "freqs",
}
MAPPING = {
    "_source": {"excludes": ["title_words", "grams"]},
    "properties": {
        "id": {"type": "long"},
        "type": {"type": "keyword"},
        # Original text for queries of one's own, not for the ranking: standard analyzer
        # (CJK as single characters) unless settings.SEARCH_TEXT_ANALYZER names another.
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
        "trl_band": {"type": "keyword"},
        "price_band": {"type": "keyword"},
        "published_at": {"type": "date"},
        "updated_at": {"type": "date", "index": False},  # read back by the reconcile task
        "url": {"type": "keyword", "index": False},
    },
}
INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}
TEXT_FIELDS = ("title", "text")  # their analyzer is a setting


def mapping() -> dict[str, Any]:
    """MAPPING with the original text analysed by ``settings.SEARCH_TEXT_ANALYZER`` (a
    plugin's, such as smartcn, where the cluster has it)."""
    text = {"type": "text", "analyzer": settings.SEARCH_TEXT_ANALYZER}
    return {**MAPPING, "properties": {**MAPPING["properties"], **dict.fromkeys(TEXT_FIELDS, text)}}


_FACET_FIELDS = {name: name for name in FACETS}
_SORTS = {
    "relevance": ["_score", {"published_at": {"order": "desc", "missing": "_last"}}],
    "newest": [{"published_at": {"order": "desc", "missing": "_last"}}, {"id": "desc"}],
    "oldest": [{"published_at": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
}
_DISPLAY = ["id", "type", "title", "url", "text"]
TOP_MAX = 1000  # the score-only fast path of rank() serves up to this many hits…
TOP_MARGIN = 5  # …fetching this many more, to see the end of a tie at the last place
TOP_RETRY_MARGIN = 50  # …and this many more if the tie goes on (then the full sort)
_ERRORS = (TransportError, ApiError)
logger = logging.getLogger(__name__)
BULK_TIMEOUT = 120  # seconds: a rebuild's bulk requests wait out merges on a busy machine
# Bulk requests a rebuild keeps in flight. One shard indexes one request on one thread: with
# one in flight, Elasticsearch waited for the next while the analysis held the other core
# (1,361 → 1,740 documents/s at 100,000 listings on two cores with two; three: 1,611).
BULK_IN_FLIGHT = 2
MERGE_TIMEOUT = 3600  # …and its final merge into one segment (minutes for millions of listings)


def _newer_first(hit: dict) -> tuple:
    """The relevance sort's keys: score, then publication (newest first, none last)."""
    published = hit.get("fields", {}).get("published_at")
    return (-hit["_score"], 0, -float(published[0])) if published else (-hit["_score"], 1, 0)


def _cut(hits: list[dict], wanted: int, size: int) -> int | None:
    """How many of ``hits`` (best score first, ``size`` asked for) to order by the tie
    break: up to the last one tied with the ``wanted``-th. None if the fetched hits end
    inside that tie (more documents may share the score)."""
    if len(hits) <= wanted:
        return len(hits)
    last = hits[wanted - 1]["_score"]
    tied = next((i for i in range(wanted, len(hits)) if hits[i]["_score"] < last), None)
    if tied is None:
        return None if len(hits) == size else len(hits)
    return tied


def _facet_counts(response: Any) -> dict[str, dict[str, int]]:
    """Facet value → documents; "" (no value: a need has no TRL) is no value, as in
    the database backend's count."""
    return {
        name: {b["key"]: b["doc_count"] for b in agg["buckets"] if b["key"] != ""}
        for name, agg in response.get("aggregations", {}).items()
    }


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


def _condition(query: Query) -> dict | None:
    """What a match needs beyond scoring: a query word, or ``min_grams`` of the grams
    (None for a words-only query: any scoring clause is a query word)."""
    grams = [{"term": {GRAMS: term}} for term in query.terms(GRAMS)]  # distinct: they are counted
    if not grams:
        return None
    words = list(dict.fromkeys(c.term for c in query.clauses if c.field != GRAMS))
    matches: list[dict] = [{"terms": {"words": words}}] if words else []
    matches.append({"bool": {"should": grams, "minimum_should_match": query.min_grams}})
    return {"bool": {"should": matches, "minimum_should_match": 1}}


def query_dsl(query: Query, filters: list[dict]) -> dict:
    """The bool query: weighted term clauses score, the match condition filters."""
    if not query:
        return {"bool": {"filter": filters}} if filters else {"match_all": {}}
    should = _scoring(query)
    condition = _condition(query)
    if condition is None:
        # Words only (the match path): "has a query word" is what the scoring clauses say
        # already, and a separate terms filter over common words costs a third of the time.
        return {"bool": {"should": should, "minimum_should_match": 1, "filter": filters}}
    return {"bool": {"should": should, "filter": [*filters, condition]}}


def bulk_behind(
    client: Elasticsearch,
    actions: Iterable[dict[str, Any]],
    *,
    chunk_size: int = 500,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Bulk-index ``actions`` from ``BULK_IN_FLIGHT`` sender threads while this one
    produces the next chunks.

    Producing (reading rows, analysing text) stays in the calling thread, which owns
    the database connection; the sender threads only talk to Elasticsearch. The first
    failed chunk stops the production and is raised here.
    """
    chunks: queue.Queue[list | None] = queue.Queue(maxsize=2 * BULK_IN_FLIGHT)
    errors: list[BaseException] = []

    def send() -> None:
        while (chunk := chunks.get()) is not None:
            if not errors:
                try:
                    helpers.bulk(client, chunk, chunk_size=chunk_size)
                except BaseException as exc:  # noqa: BLE001 — re-raised in the caller
                    errors.append(exc)

    senders = [
        threading.Thread(target=send, name=f"es-bulk-{n}", daemon=True)
        for n in range(BULK_IN_FLIGHT)
    ]
    for sender in senders:
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
        for _ in senders:
            chunks.put(None)  # one end mark per sender
        for sender in senders:
            sender.join()
    if errors:
        raise errors[0]
    return done


# --- Elasticsearch's own time (search_bench) -----------------------------------------------
_took: ContextVar[list[int] | None] = ContextVar("elasticsearch_took", default=None)


@contextmanager
def recording_took() -> Iterator[list[int]]:
    """Collect Elasticsearch's own ``took`` (ms) of every search request made inside."""
    took: list[int] = []
    token = _took.set(took)
    try:
        yield took
    finally:
        _took.reset(token)


def _record_took(response: Any) -> None:
    if (took := _took.get()) is not None:
        took.append(response.get("took", 0))


# --- shared clients and term statistics ----------------------------------------------------
_CLIENTS: dict[tuple, Elasticsearch] = {}
_LOCK = threading.Lock()


def _shared_client(url: str, timeout: int) -> Elasticsearch:
    """One client (connection pool) per process, URL and timeout: a backend is created for
    every request, and a new client costs a connection and ~2 ms."""
    key = (os.getpid(), url, timeout)  # a forked worker must not share its parent's sockets
    client = _CLIENTS.get(key)
    if client is None:
        client = Elasticsearch(url, request_timeout=timeout, max_retries=0)
        with _LOCK:
            _CLIENTS[key] = client
    return client


STATS_SECONDS = 10 * 60  # term weighting tolerates statistics minutes old
STATS_MAX_TERMS = 200_000  # per prefix and field: a bound on the memory, never reached in practice


def _alias_of(index: str) -> str:
    """``<prefix>-<type>`` of a concrete index ``<prefix>-<type>-<timestamp>``."""
    return index.rsplit("-", 1)[0]


class TermStats:
    """Document frequencies of one field over every type's index, remembered for
    ``STATS_SECONDS``.

    Matching weighs every word of a description and of its feedback documents by its
    idf: a couple of hundred document frequencies per match list, mostly the same
    common words again. They belong to the concrete indexes they were counted in: a
    rebuild (a new index behind an alias, seen in any search answer) starts afresh,
    and a write from this process forgets them too.
    """

    def __init__(self, n_docs: int) -> None:
        self.n_docs = n_docs
        self.dfs: dict[str, int] = {}
        self.indexes: dict[str, str] = {}  # alias → the concrete index the counts are from
        self.expires = time.monotonic() + STATS_SECONDS

    @property
    def fresh(self) -> bool:
        return time.monotonic() < self.expires and len(self.dfs) < STATS_MAX_TERMS

    def current(self, indexes: Iterable[str]) -> bool:
        """Learn the concrete indexes of an answer; False if one replaced a known one."""
        return all(self.indexes.setdefault(_alias_of(i), i) == i for i in indexes)


_STATS: dict[tuple[str, str, str], TermStats] = {}
_MAPPED: set[tuple[str, str]] = set()  # (url, alias) whose mapping has every MAPPING field


def forget_term_stats(url: str | None = None, prefix: str | None = None) -> None:
    """Drop remembered statistics (of one index prefix, or all)."""
    with _LOCK:
        for key in [k for k in _STATS if (url is None or k[0] == url) and prefix in (None, k[1])]:
            del _STATS[key]


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, *, url: str | None = None, prefix: str | None = None) -> None:
        self.url = url or settings.ELASTICSEARCH_URL
        self.prefix = prefix or settings.SEARCH_INDEX_PREFIX

    @cached_property
    def client(self) -> Elasticsearch:
        timeout = settings.ELASTICSEARCH_DSL["default"]["request_timeout"]
        return _shared_client(self.url, timeout)

    def alias(self, type_name: str) -> str:
        return f"{self.prefix}-{type_name}"

    def _forget(self) -> None:
        forget_term_stats(self.url, self.prefix)

    # --- writing ---------------------------------------------------------------
    def _create_index(self, type_name: str) -> str:
        name = f"{self.alias(type_name)}-{timezone.now():%Y%m%d%H%M%S%f}"
        self.client.indices.create(index=name, mappings=mapping(), settings=INDEX_SETTINGS)
        return name

    def _ensure_alias(self, type_name: str) -> None:
        alias = self.alias(type_name)
        if not self.client.indices.exists_alias(name=alias):
            name = self._create_index(type_name)
            self.client.indices.put_alias(index=name, name=alias)
        elif (self.url, alias) not in _MAPPED:
            # An index made before a field joined MAPPING gets the field before anything
            # is written (else it would be mapped dynamically, as text); listings not
            # written since have no value for it until the next rebuild. The original
            # text's fields were always there, and keep their analyzer until a rebuild.
            added = {k: v for k, v in MAPPING["properties"].items() if k not in TEXT_FIELDS}
            self.client.indices.put_mapping(index=alias, properties=added)
        _MAPPED.add((self.url, alias))

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
        finally:
            self._forget()
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
        self._forget()
        for name in old:
            try:
                self.client.indices.delete(index=name, ignore_unavailable=True)
            except _ERRORS:  # the new index is live: an old one left over does no harm
                logger.warning("Could not delete the replaced index %s", name)

    def _fill(
        self, type_name: str, new_index: str, workers: int, add: Callable[[int], None] | None
    ) -> int:
        """Load every public listing of a type into ``new_index`` (not yet searchable)."""
        # Nobody searches the new index before the swap: no refreshes while it fills, and
        # the translog is synced in the background (a crash mid-load means a new rebuild).
        self.client.indices.put_settings(
            index=new_index,
            settings={"refresh_interval": "-1", "translog.durability": "async"},
        )
        # The token streams of every listing whose text has not changed since the database
        # index stored it are read from there, not analysed again (most of a rebuild's
        # Python time otherwise).
        stored = partial(DatabaseBackend().stored_streams, type_name)
        docs = iter_documents(DOCUMENT_TYPES[type_name])
        rows = reusing_rows(docs, stored, workers=workers)
        actions = ({"_index": new_index, "_id": row["id"], "_source": row} for row in rows)
        bulk_client = self.client.options(request_timeout=BULK_TIMEOUT)
        done = bulk_behind(bulk_client, actions, on_chunk=add)
        self.client.indices.put_settings(
            index=new_index, settings={"refresh_interval": None, "translog.durability": None}
        )
        return done

    def _finish(self, type_name: str, new_index: str) -> None:
        """Merge a loaded index, make it searchable and swap it in under the alias."""
        # One segment: queries score and skip about twice as fast as over the dozen
        # segments a bulk load leaves (~8 s at 100,000 listings). Elasticsearch keeps a
        # recovery copy of each whole document (the excluded grams too) until the shard's
        # retention lease moves past it, about a minute after a flush; merged before that,
        # the copies stay: 515 MB instead of 263 MB for 62,348 achievements. Waiting for
        # the lease was measured: no faster searches, and a rebuild 3.7 times as long.
        merge_client = self.client.options(request_timeout=MERGE_TIMEOUT)
        merge_client.indices.forcemerge(index=new_index, max_num_segments=1)
        merge_client.indices.refresh(index=new_index)
        self._swap_alias(type_name, new_index)

    def _discard(self, new_index: str, exc: BaseException) -> NoReturn:
        """The live index stays as it was, and no half-built one is left behind."""
        try:
            self.client.indices.delete(index=new_index, ignore_unavailable=True)
        except _ERRORS:
            logger.warning("Could not delete the half-built index %s", new_index)
        if isinstance(exc, _ERRORS):
            raise SearchUnavailable(str(exc)) from exc
        raise exc

    def rebuild(self, progress: Progress | None = None, *, workers: int = 1) -> int:
        done = 0
        total = sum(t.public_queryset().count() for t in DOCUMENT_TYPES.values())
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="es-merge") as merging:
            finishing: list[tuple[str, Future]] = []
            for type_name in DOCUMENT_TYPES:
                try:
                    new_index = self._create_index(type_name)
                except _ERRORS as exc:
                    raise SearchUnavailable(str(exc)) from exc
                add = (lambda n, base=done: progress(base + n, total)) if progress else None
                try:
                    done += self._fill(type_name, new_index, workers, add)
                except BaseException as exc:
                    self._discard(new_index, exc)
                # The merge (one thread in Elasticsearch) runs while the next type loads.
                finishing.append((new_index, merging.submit(self._finish, type_name, new_index)))
            for new_index, finished in finishing:
                if (exc := finished.exception()) is not None:
                    self._discard(new_index, exc)
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
        self._forget()

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
        count: bool = True,
    ) -> Ranking:
        source = _DISPLAY + (["words"] if with_words else [])
        conditions = self._filters(filters)
        indexes = ",".join(self.alias(t) for t in types)
        aggs = (
            {name: {"terms": {"field": f, "size": 50}} for name, f in _FACET_FIELDS.items()}
            if facets
            else None
        )
        if sort == "relevance" and query and 0 < offset + limit < TOP_MAX:
            ranking = self._top(indexes, query, conditions, source, offset, limit, count, aggs)
            if ranking is not None:
                return ranking
        try:
            response = self.client.search(
                index=indexes,
                query=query_dsl(query, conditions),
                sort=_SORTS.get(sort, _SORTS["relevance"]),
                source_includes=source,
                aggs=aggs,
                from_=offset,
                size=limit,
                track_total_hits=count,
                track_scores=True,
                # One index per type: global term statistics make scores comparable
                # across types (and equal to the database backend's single table).
                search_type="dfs_query_then_fetch" if len(types) > 1 else None,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        except _ERRORS as exc:
            raise SearchUnavailable(str(exc)) from exc
        _record_took(response)
        hits = response["hits"]["hits"]
        total = response["hits"]["total"]["value"] if count else offset + len(hits)
        return Ranking(count=total, items=self._ranked(hits), facets=_facet_counts(response))

    def _top(
        self,
        indexes: str,
        query: Query,
        conditions: list[dict],
        source: list[str],
        offset: int,
        limit: int,
        count: bool,
        aggs: dict | None,
    ) -> Ranking | None:
        """The relevance order of ``rank`` without sorting on two keys or counting inline.

        Sorted by score alone, with no total to count, Lucene skips the documents
        that cannot reach the top (block-max MaxScore); with ``_score, published_at``
        it scores every match. So the best by score are fetched, ``TOP_MARGIN`` more
        than wanted, and the newer-first tie break is applied here: exact as long as
        the documents tied with the last wanted one all came back (if not, they are
        asked for again with ``TOP_RETRY_MARGIN`` more; None if even those end inside
        the tie: the caller asks again with the full sort). The total and the facets, if wanted,
        come from a constant-score count of the same query in the same request.
        """
        wanted = offset + limit
        size = wanted + TOP_MARGIN
        # The match condition (grams) filters only the documents good enough to be
        # collected: as a query filter it would be checked for every candidate.
        scoring = {"should": _scoring(query), "minimum_should_match": 1, "filter": conditions}
        top: dict[str, Any] = {
            "query": {"bool": scoring},
            "size": size,
            "track_total_hits": False,
            "_source": source,
            "docvalue_fields": [{"field": "published_at", "format": "epoch_millis"}],
        }
        condition = _condition(query)
        if condition is not None:
            top["post_filter"] = condition  # implies a scoring clause: exact
        head = {"ignore_unavailable": True, "allow_no_indices": True}
        # Several types: their statistics gathered first, as rank's full sort does. The
        # shard request cache keeps the query phase (ids and scores, not the documents)
        # until the index changes: the same search again skips the scoring. (Match lists
        # are cached whole by the engine, and would only crowd searches out.)
        search_type = "dfs_query_then_fetch" if "," in indexes else "query_then_fetch"
        searches = [{**head, "search_type": search_type, "request_cache": count}, top]
        if count or aggs:
            # What matches, without the scoring clauses: the condition, or (words only)
            # any of the words.
            matching = (
                {"bool": {"filter": [*conditions, condition]}}
                if condition is not None
                else query_dsl(query, conditions)
            )
            counted = {"constant_score": {"filter": matching}}
            tally = {"query": counted, "size": 0, "track_total_hits": count}
            searches += [head, {**tally, "aggs": aggs} if aggs else tally]
        responses = self._msearch(indexes, searches)
        hits = responses[0]["hits"]["hits"]
        cut = _cut(hits, wanted, size)
        if cut is None:
            # More documents share the last wanted score than were fetched (equal field
            # lengths and counts tie often): once more with a wider margin and nothing
            # counted, still pruned by score; the full sort only if that is tied too.
            size = wanted + TOP_RETRY_MARGIN
            hits = self._msearch(indexes, [searches[0], {**top, "size": size}])[0]["hits"]["hits"]
            cut = _cut(hits, wanted, size)
            if cut is None:
                return None
        hits = sorted(hits[:cut], key=_newer_first)[offset:wanted]  # stable: then index order
        total = responses[1]["hits"]["total"]["value"] if count else offset + len(hits)
        facets = _facet_counts(responses[1]) if aggs else {}
        return Ranking(count=total, items=self._ranked(hits), facets=facets)

    def _msearch(self, indexes: str, searches: list[dict]) -> list[dict]:
        try:
            answer = self.client.msearch(index=indexes, searches=searches)
            _record_took(answer)
            responses = answer["responses"]
        except _ERRORS as exc:
            raise SearchUnavailable(str(exc)) from exc
        for response in responses:
            if "error" in response:
                raise SearchUnavailable(str(response["error"])[:500])
        return responses

    def _ranked(self, hits: list[dict]) -> list[Ranked]:
        self._seen({h["_index"] for h in hits})
        return [
            Ranked(
                type=h["_source"]["type"],
                id=h["_source"]["id"],
                score=float(h.get("_score") or 0.0),
                title=h["_source"].get("title", ""),
                url=h["_source"].get("url", ""),
                text=h["_source"].get("text", ""),
                words=h["_source"].get("words", ""),
            )
            for h in hits
        ]

    def _seen(self, indexes: set[str]) -> None:
        """A search answered from ``indexes``: statistics counted in older ones are stale."""
        for key, stats in list(_STATS.items()):
            if key[:2] == (self.url, self.prefix) and not stats.current(indexes):
                self._forget()
                return

    def doc_freqs(self, field_name: str, terms: list[str]) -> tuple[int, dict[str, int]]:
        terms = list(dict.fromkeys(terms))
        key = (self.url, self.prefix, field_name)
        stats = _STATS.get(key)
        if stats is None or not stats.fresh:
            n_docs, dfs = self._count(field_name, terms)
            stats = TermStats(n_docs)
            stats.dfs.update(dfs)
            with _LOCK:
                _STATS[key] = stats
        elif missing := [t for t in terms if t not in stats.dfs]:
            stats.dfs.update(self._count(field_name, missing)[1])
        return stats.n_docs, {t: stats.dfs[t] for t in terms}

    def _count(self, field_name: str, terms: list[str]) -> tuple[int, dict[str, int]]:
        """Documents of every type, and those containing each of ``terms`` (exact)."""
        filters = {str(i): {"term": {field_name: t}} for i, t in enumerate(terms)}
        try:
            response = self.client.search(
                index=",".join(self.alias(t) for t in DOCUMENT_TYPES),
                size=0,
                track_total_hits=True,
                aggs={"df": {"filters": {"filters": filters}}} if filters else None,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        except _ERRORS as exc:
            raise SearchUnavailable(str(exc)) from exc
        _record_took(response)
        buckets = response.get("aggregations", {}).get("df", {}).get("buckets", {})
        dfs = {t: buckets.get(str(i), {}).get("doc_count", 0) for i, t in enumerate(terms)}
        return response["hits"]["total"]["value"], dfs

    def health(self) -> dict:
        try:
            status = self.client.cluster.health(timeout="2s")["status"]
        except _ERRORS as exc:
            return {"backend": self.name, "status": "down", "error": type(exc).__name__}
        return {"backend": self.name, "status": "ok" if status in ("green", "yellow") else status}
