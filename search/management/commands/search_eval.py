"""Evaluate the production search stack on a benchmark (spec §10).

manage.py search_eval --corpus FILE --queries FILE --qrels FILE
    [--backend database|elasticsearch] [--mode search|match] [--k 10] [--run FILE]
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from search import evaluation, staff_words
from search.backends import SearchUnavailable


class Command(BaseCommand):
    help = "Run a search benchmark in an isolated temporary index and print the metrics as JSON."

    def add_arguments(self, parser):
        parser.add_argument("--corpus", required=True, type=Path, help=".jsonl or .jsonl.gz")
        parser.add_argument("--queries", required=True, type=Path)
        parser.add_argument("--qrels", required=True, type=Path)
        parser.add_argument("--backend", choices=["database", "elasticsearch"])
        parser.add_argument("--mode", choices=["search", "match"], default="search")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--run", type=Path, help="also write the rankings (TREC run format)")

    def handle(self, *args, corpus, queries, qrels, backend, mode, k, run, **options):
        staff_words.refresh(force=True)  # segment with the staff dictionary as it is now
        if k < 1:
            raise CommandError("--k must be at least 1")
        for path in (corpus, queries, qrels):
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        backend = backend or settings.SEARCH_BACKEND
        if backend == "elasticsearch" and not settings.ELASTICSEARCH_URL:
            raise CommandError("--backend elasticsearch needs ELASTICSEARCH_URL")
        benchmark = evaluation.load(corpus, queries, qrels)
        try:
            result = evaluation.evaluate(
                benchmark, backend_name=backend, mode=mode, k=k, keep_runs=run is not None
            )
        except SearchUnavailable as exc:
            raise CommandError(f"{backend} is unavailable: {exc}") from exc
        if run is not None:
            tag = f"kechuang-{backend}-{mode}"
            lines = evaluation.trec_lines(result.runs, tag)
            run.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        output = {"backend": backend, "mode": mode, "k": k, **result.metrics}
        self.stdout.write(json.dumps(output, ensure_ascii=False))
