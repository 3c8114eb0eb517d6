"""Rebuild or inspect the search index of the configured backend.

Shadows django-elasticsearch-dsl's command of the same name: ours knows both
backends and swaps aliases instead of deleting the live index first.
"""

import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from search import staff_words, topics
from search.backends import SearchUnavailable, get_backend, indexing_backends
from search.models import TopicSpace

# The database index's rebuild analyses every listing: worker processes overlap that
# with the database's own work on the rows (a third faster on two cores). The
# Elasticsearch rebuild reads most words from the database index, and its analysis
# would only compete with Elasticsearch for the cores (docs/benchmarks.md, seventh pass).
DEFAULT_WORKERS = {"database": min(4, os.cpu_count() or 1), "elasticsearch": 1}


class Command(BaseCommand):
    help = "Rebuild the search indexes (--rebuild) or show the backends' health."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="build a new index and swap it in"
        )
        parser.add_argument("--backend", choices=["database", "elasticsearch"])
        parser.add_argument(
            "--workers",
            type=int,
            help="processes analysing the text (rebuild; default: the CPU count, at most 4, "
            "for the database index and 1 for Elasticsearch)",
        )

    def handle(self, *args, rebuild: bool, backend: str | None, workers: int | None, **options):
        staff_words.refresh(force=True)  # segment with the staff dictionary as it is now
        backends = [get_backend(backend)] if backend else indexing_backends()
        if not rebuild:
            for search_backend in backends:
                self.stdout.write(str(search_backend.health()))
            self.stdout.write(self._topic_model())
            return

        def progress(done: int, total: int) -> None:
            width = 30
            filled = int(width * done / total) if total else width
            self.stdout.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending=""
            )
            self.stdout.flush()

        for search_backend in backends:
            try:
                processes = workers or DEFAULT_WORKERS.get(search_backend.name, 1)
                count = search_backend.rebuild(progress, workers=max(1, processes))
            except SearchUnavailable as exc:
                raise CommandError(f"{search_backend.name} is unavailable: {exc}") from exc
            self.stdout.write("")
            self.stdout.write(
                self.style.SUCCESS(f"Indexed {count} documents ({search_backend.name}).")
            )
        started = time.monotonic()
        model = topics.refit()  # from the database index, which every rebuild keeps current
        if model is None:
            self.stdout.write(
                f"Topic model: none (it needs {topics.MIN_DOCUMENTS} documents sharing words)."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Topic model: {model.documents} documents, {len(model.words)} words, "
                    f"{model.dimensions} topics ({time.monotonic() - started:.1f} s)."
                )
            )

    @staticmethod
    def _topic_model() -> str:
        try:
            fitted = TopicSpace.objects.defer("data").order_by("-pk").first()
        except DatabaseError as exc:  # not migrated yet
            return f"Topic model: unknown ({exc}; run manage.py migrate)."
        if fitted is None:
            return "Topic model: none (search_index --rebuild fits one)."
        at = timezone.localtime(fitted.created_at).strftime("%Y-%m-%d %H:%M %Z")
        return (
            f"Topic model: {fitted.documents} documents, {fitted.words} words, "
            f"{fitted.dimensions} topics, fitted {at}."
        )
