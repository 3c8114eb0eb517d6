"""manage.py search_bench [--queries N] [--matches N] [--rebuild] [--backend …]

Server-side speed of search, matching and a full rebuild on the site's own index
(docs/benchmarks.md, "Speed at 100,000 listings"). Prints one JSON object.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from search import bench, staff_words
from search.backends import SearchUnavailable


class Command(BaseCommand):
    help = "Measure search p50/p95, match p50/p95 and (--rebuild) full rebuild docs/s."

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=int, default=200, help="search-box queries")
        parser.add_argument("--matches", type=int, default=100, help="listings to match")
        parser.add_argument("--rebuild", action="store_true", help="also time a full rebuild")
        parser.add_argument("--backend", choices=["database", "elasticsearch"])
        parser.add_argument("--workers", type=int, default=1, help="analysis processes (rebuild)")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, queries, matches, rebuild, backend, workers, seed, **options):
        staff_words.refresh(force=True)  # segment with the staff dictionary as it is now
        if queries < 1 or matches < 1:
            raise CommandError("--queries and --matches must be at least 1")
        overrides = {"SEARCH_BACKEND": backend} if backend else {}
        try:
            with override_settings(**overrides):
                result = bench.run(
                    queries=queries,
                    matches=matches,
                    rebuild=rebuild,
                    workers=max(1, workers),
                    seed=seed,
                )
        except SearchUnavailable as exc:
            raise CommandError(f"search backend unavailable: {exc}") from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))
