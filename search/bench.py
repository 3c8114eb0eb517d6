"""Speed of the production search stack on the site's own index (``manage.py search_bench``).

Queries are drawn from the indexed listings themselves (one to three words of a
title, as people type them), matches from random published listings; every
figure is server-side time of the same calls the pages make.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import Any

from search import analysis, engine, service
from search.backends import get_backend
from search.backends.elastic import ElasticsearchBackend, recording_took
from search.documents import DOCUMENT_TYPES
from search.evaluation import percentile

WARM_UP = 5  # untimed calls first: one for every WARM_UP timed ones, on other listings


def _timed(calls: list[Callable[[], Any]], *, es_took: bool = False) -> dict[str, float]:
    """Server-side time of each call; on Elasticsearch also its own ``took``, summed over
    the requests a call makes (the rest is Python, the network and the database)."""
    times, took = [], []
    for call in calls:
        with recording_took() as requests:
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        took.append(float(sum(requests)))
    times.sort()
    out = {
        "n": len(times),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "max_ms": round(times[-1], 1) if times else 0.0,
    }
    if es_took:
        out |= {
            "es_took_p50_ms": round(percentile(took, 50), 1),
            "es_took_p95_ms": round(percentile(took, 95), 1),
        }
    return out


def sample_listings(n: int, rng: random.Random) -> list[Any]:
    """``n`` random published listings of every type, in proportion to their numbers."""
    ids = [
        (name, pk)
        for name, doc_type in DOCUMENT_TYPES.items()
        for pk in doc_type.public_queryset().order_by().values_list("pk", flat=True)
    ]
    chosen = rng.sample(ids, min(n, len(ids)))
    out = []
    for name, doc_type in DOCUMENT_TYPES.items():
        wanted = [pk for t, pk in chosen if t == name]
        out += list(doc_type.public_queryset().filter(pk__in=wanted))
    rng.shuffle(out)
    return out


def sample_queries(listings: list[Any], rng: random.Random) -> list[str]:
    queries = []
    for listing in listings:
        words = analysis.query_words(listing.title) or [listing.title[:4]]
        start = rng.randrange(len(words))
        queries.append(" ".join(words[start : start + rng.randint(1, 3)]))
    return queries


def run(
    *, queries: int, matches: int, rebuild: bool, workers: int = 1, seed: int = 1
) -> dict[str, Any]:
    rng = random.Random(seed)
    backend = get_backend()
    es = isinstance(backend, ElasticsearchBackend)
    if es:
        # Counts are cached per index until it changes: a second run would time the cache.
        aliases = ",".join(backend.alias(t) for t in DOCUMENT_TYPES)
        backend.client.indices.clear_cache(index=aliases, request=True, ignore_unavailable=True)
    # A warm-up on other listings and their queries (a fifth as many, never timed): a
    # server that has just started compiles its hot paths and fills its caches, and the
    # timed calls should see what a running site sees, without their own answers cached.
    timed = max(queries, matches)
    warm = max(1, timed // WARM_UP)
    listings = sample_listings(timed + warm, rng)
    warm_listings, listings = listings[:warm], listings[warm:]
    warm_texts = sample_queries(warm_listings[: max(1, queries // WARM_UP)], rng)
    texts = sample_queries(listings[:queries], rng)
    for q in warm_texts:
        service.search(q, page_size=20)
        service.search(q, page_size=20, facets=True)
    for s in warm_listings[: max(1, matches // WARM_UP)] if matches else []:
        engine.matches_for(s, cached=False)
    if es:
        backend.client.indices.clear_cache(index=aliases, request=True, ignore_unavailable=True)
    out: dict[str, Any] = {
        "backend": backend.name,
        "documents": sum(t.public_queryset().count() for t in DOCUMENT_TYPES.values()),
        "load_average": [round(x, 2) for x in os.getloadavg()],  # a shared machine varies
        "search": _timed([lambda q=q: service.search(q, page_size=20) for q in texts], es_took=es),
        "search_with_facets": _timed(
            [lambda q=q: service.search(q, page_size=20, facets=True) for q in texts], es_took=es
        ),
        "match": _timed(
            [lambda s=s: engine.matches_for(s, cached=False) for s in listings[:matches]],
            es_took=es,
        ),
    }
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    if rebuild:
        started = time.perf_counter()
        count = backend.rebuild(workers=workers)
        seconds = time.perf_counter() - started
        out["rebuild"] = {
            "documents": count,
            "seconds": round(seconds, 1),
            "docs_per_s": round(count / seconds) if seconds else 0,
            "workers": workers,
        }
    return out
