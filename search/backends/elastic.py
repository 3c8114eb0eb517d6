"""Elasticsearch 9 backend.

Each document type lives in a concrete index ``<prefix>-<type>-<timestamp>``
behind the alias ``<prefix>-<type>``; a rebuild fills a new index and swaps the
alias in one atomic call, so searches never see a half-built index. Only core
features are used (the CI cluster has no analysis-common, painless or reindex).
"""

from __future__ import annotations

import time
from functools import cached_property

from django.conf import settings
from django.utils import timezone
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from search.backends.base import (
    Progress,
    SearchBackend,
    SearchHit,
    SearchResult,
    SearchUnavailable,
)
from search.documents import DOCUMENT_TYPES, iter_documents

MAPPING = {
    "properties": {
        "id": {"type": "long"},
        "type": {"type": "keyword"},
        "title": {"type": "text", "analyzer": "standard"},
        "text": {"type": "text", "analyzer": "standard"},
        "tech_field": {"type": "keyword"},
        "tech_subfield": {"type": "keyword"},
        "industry": {"type": "keyword"},
        "organisation": {"type": "keyword"},
        "organisation_kind": {"type": "keyword"},
        "region": {"type": "keyword"},
        "cooperation_modes": {"type": "keyword"},
        "published_at": {"type": "date"},
        "url": {"type": "keyword", "index": False},
    }
}
INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}


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

    def index(self, type_name: str, ids: list[int]) -> None:
        doc_type = DOCUMENT_TYPES[type_name]
        alias = self.alias(type_name)
        try:
            self._ensure_alias(type_name)
            docs = {d["id"]: d for d in iter_documents(doc_type, ids)}
            actions = [
                {"_op_type": "index", "_index": alias, "_id": pk, "_source": docs[pk]}
                if pk in docs
                else {"_op_type": "delete", "_index": alias, "_id": pk}
                for pk in ids
            ]
            helpers.bulk(self.client, actions, raise_on_error=False, refresh="wait_for")
        except (TransportError, ApiError) as exc:
            raise SearchUnavailable(str(exc)) from exc

    def rebuild(self, progress: Progress | None = None) -> int:
        done = 0
        total = sum(t.public_queryset().count() for t in DOCUMENT_TYPES.values())
        for type_name, doc_type in DOCUMENT_TYPES.items():
            alias = self.alias(type_name)
            new_index = self._create_index(type_name)
            for _ok, _item in helpers.streaming_bulk(
                self.client,
                (
                    {"_index": new_index, "_id": d["id"], "_source": d}
                    for d in iter_documents(doc_type)
                ),
                chunk_size=500,
            ):
                done += 1
                if progress and done % 500 == 0:
                    progress(done, total)
            self.client.indices.refresh(index=new_index)
            try:
                old = list(self.client.indices.get_alias(name=alias).keys())
            except NotFoundError:
                old = []
            actions = [{"add": {"index": new_index, "alias": alias}}]
            actions += [{"remove": {"index": name, "alias": alias}} for name in old]
            self.client.indices.update_aliases(actions=actions)
            for name in old:
                self.client.indices.delete(index=name, ignore_unavailable=True)
        if progress:
            progress(done, total)
        return done

    def drop(self) -> None:
        """Delete every index of this prefix (tests clean up with it)."""
        # Clusters refuse wildcard deletes (action.destructive_requires_name): name each one.
        names = list(self.client.indices.get(index=f"{self.prefix}-*", allow_no_indices=True))
        if names:
            self.client.indices.delete(index=",".join(names), ignore_unavailable=True)

    # --- reading ---------------------------------------------------------------
    def search(self, q: str, *, types: list[str], page: int, page_size: int) -> SearchResult:
        started = time.monotonic()
        query = (
            {"multi_match": {"query": q, "fields": ["title^3", "text"], "operator": "and"}}
            if q.strip()
            else {"match_all": {}}
        )
        try:
            response = self.client.search(
                index=",".join(self.alias(t) for t in types),
                query=query,
                highlight={
                    "fields": {"text": {"fragment_size": 80, "number_of_fragments": 1}},
                    "pre_tags": ["<mark>"],
                    "post_tags": ["</mark>"],
                    "encoder": "html",
                },
                from_=(page - 1) * page_size,
                size=page_size,
                track_total_hits=True,
                ignore_unavailable=True,
                allow_no_indices=True,
            )
        except (TransportError, ApiError) as exc:
            raise SearchUnavailable(str(exc)) from exc
        hits = [
            SearchHit(
                id=h["_source"]["id"],
                type=h["_source"]["type"],
                title=h["_source"]["title"],
                url=h["_source"]["url"],
                score=float(h["_score"] or 0.0),
                highlight=" … ".join(h.get("highlight", {}).get("text", [])),
            )
            for h in response["hits"]["hits"]
        ]
        return SearchResult(
            count=response["hits"]["total"]["value"],
            hits=hits,
            backend=self.name,
            took_ms=int((time.monotonic() - started) * 1000),
        )

    def health(self) -> dict:
        try:
            status = self.client.cluster.health(timeout="2s")["status"]
        except (TransportError, ApiError) as exc:
            return {"backend": self.name, "status": "down", "error": type(exc).__name__}
        return {"backend": self.name, "status": "ok" if status in ("green", "yellow") else status}
