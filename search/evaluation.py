"""Benchmark the production search stack (spec §10, ``manage.py search_eval``).

A corpus is indexed as achievements into an *isolated temporary* index (TEMP
tables on the database, a random prefix on Elasticsearch) that is dropped
afterwards, so the site's own data and indexes are never touched. Queries go
through the same code as the search box (``--mode search``) or the matching
engine (``--mode match``).
"""

from __future__ import annotations

import gzip
import json
import math
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search import indexing, matching, topics
from search.backends.base import SearchBackend
from search.query import WORDS

TYPE = "achievement"


@dataclass
class Benchmark:
    corpus: list[dict[str, str]]
    queries: list[dict[str, Any]]
    qrels: dict[str, dict[str, int]]


@dataclass
class Evaluation:
    metrics: dict[str, float]
    runs: dict[str, list[tuple[str, float]]] = field(default_factory=dict)


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from (line for line in f if line.strip())


def load(corpus: Path, queries: Path, qrels: Path) -> Benchmark:
    grades: dict[str, dict[str, int]] = {}
    for line in _lines(qrels):
        qid, doc_id, grade = line.rstrip("\n").split("\t")[:3]
        if int(grade) > 0:
            grades.setdefault(qid, {})[doc_id] = int(grade)
    return Benchmark(
        corpus=[json.loads(line) for line in _lines(corpus)],
        queries=[json.loads(line) for line in _lines(queries)],
        qrels=grades,
    )


# --- metrics (spec §10) -----------------------------------------------------------
def query_metrics(ranked: list[str], grades: dict[str, int], k: int) -> dict[str, float]:
    """MRR@k and Recall@k over the highest-grade documents; nDCG@k with grade gains."""
    top = max(grades.values())
    best = {d for d, g in grades.items() if g == top}
    ranked = ranked[:k]
    mrr = next((1.0 / (i + 1) for i, d in enumerate(ranked) if d in best), 0.0)
    recall = sum(d in best for d in ranked) / min(len(best), k)
    dcg = sum(grades.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return {f"MRR@{k}": mrr, f"Recall@{k}": recall, f"nDCG@{k}": dcg / idcg}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


# --- the isolated index --------------------------------------------------------------
def _documents(corpus: list[dict[str, str]]) -> Iterator[dict[str, Any]]:
    for number, doc in enumerate(corpus, start=1):
        yield {
            "id": number,
            "type": TYPE,
            "title": doc.get("title") or "",
            "text": doc.get("text") or "",
            "url": "",
            "cooperation_modes": [],
            "published_at": None,
        }


def corpus_topics(corpus: list[dict[str, str]]) -> topics.TopicModel | None:
    """The topic model of a benchmark corpus, fitted as the site's is on its listings."""
    return topics.fit(
        indexing.analysed(d.get("title") or "", d.get("text") or "")[WORDS] for d in corpus
    )


@contextmanager
def temporary_index(backend_name: str, corpus: list[dict[str, str]]) -> Iterator[SearchBackend]:
    """The corpus in an index of its own, with a topic model of its own, removed
    afterwards whatever happens."""
    suffix = uuid.uuid4().hex[:12]
    if backend_name == "elasticsearch":
        from search.backends.elastic import ElasticsearchBackend

        es = ElasticsearchBackend(prefix=f"eval-{suffix}")
        try:
            es.write(TYPE, _documents(corpus), remove=[], refresh=True)
            es.topic_source = corpus_topics(corpus)
            yield es
        finally:
            es.drop()
        return
    from search.backends.database import DatabaseBackend

    db = DatabaseBackend(table=f"search_eval_{suffix}")
    db.create_temporary()
    try:
        db.write(TYPE, _documents(corpus), remove=[])
        db.optimise()
        db.topic_source = corpus_topics(corpus)
        yield db
    finally:
        db.drop_temporary()


def rank(backend: SearchBackend, text: str, *, mode: str, limit: int) -> list[tuple[int, float]]:
    """(internal id, score) best first, through the production path of ``mode``."""
    if mode == "match":
        ranking = matching.match(backend, text, types=[TYPE], limit=limit)
        return [(r.id, r.score) for r in ranking.items]
    result = backend.search(text, types=[TYPE], page=1, page_size=limit)
    return [(h.id, h.score) for h in result.hits]


def evaluate(
    benchmark: Benchmark, *, backend_name: str, mode: str, k: int, keep_runs: bool = False
) -> Evaluation:
    ids = [d["id"] for d in benchmark.corpus]  # internal id n is ids[n - 1]
    started = time.monotonic()
    totals: dict[str, float] = {}
    latencies: list[float] = []
    runs: dict[str, list[tuple[str, float]]] = {}
    with temporary_index(backend_name, benchmark.corpus) as backend:
        index_seconds = time.monotonic() - started
        for query in benchmark.queries:
            grades = dict(benchmark.qrels.get(query["qid"], {}))
            excluded = set(query.get("exclude") or [])
            t0 = time.perf_counter()
            ranked = rank(backend, query["text"], mode=mode, limit=k + len(excluded))
            latencies.append((time.perf_counter() - t0) * 1000)
            ranking = [(ids[n - 1], s) for n, s in ranked if ids[n - 1] not in excluded][:k]
            if keep_runs:
                runs[query["qid"]] = ranking
            for doc_id in excluded:
                grades.pop(doc_id, None)
            if not grades:
                continue  # nothing to find: the query does not count
            for name, value in query_metrics([d for d, _ in ranking], grades, k).items():
                totals[name] = totals.get(name, 0.0) + value
            totals["queries"] = totals.get("queries", 0) + 1
    n = totals.pop("queries", 0) or 1
    metrics = {name: round(value / n, 4) for name, value in totals.items()}
    metrics |= {
        "queries": int(n),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else 0.0,
        "p95_ms": round(percentile(latencies, 95), 1),
        "index_s": round(index_seconds, 1),
    }
    return Evaluation(metrics=metrics, runs=runs)


def trec_lines(runs: dict[str, list[tuple[str, float]]], tag: str) -> Iterator[str]:
    for qid, ranking in runs.items():
        for rank_no, (doc_id, score) in enumerate(ranking, start=1):
            yield f"{qid} Q0 {doc_id} {rank_no} {score:.6f} {tag}"
