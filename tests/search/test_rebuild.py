"""Rebuilding the index: the same documents whether the text is analysed here or in
worker processes, and the command's progress bar (spec §5: search_index --rebuild)."""

from io import StringIO

import pytest
from django.core.management import call_command

from search.backends import get_backend
from search.backends.database import DatabaseBackend
from search.indexing import index_row, index_rows
from tests import factories

pytestmark = pytest.mark.django_db


def _entries() -> list[tuple]:
    from search.models import SearchEntry

    return list(
        SearchEntry.objects.order_by("doc_type", "object_id").values_list(
            "doc_type", "object_id", "words", "title_words", "grams", "updated_at"
        )
    )


def test_a_rebuild_with_worker_processes_indexes_exactly_what_a_serial_one_does():
    org = factories.organisation()
    for n in range(7):
        factories.achievement(org, title=f"柔性压力传感器第{n}代", summary="可穿戴測量。")
        factories.need(org, title=f"注塑件翘曲控制{n}")
    backend: DatabaseBackend = get_backend("database")
    assert backend.rebuild() == 14
    serial = _entries()
    assert backend.rebuild(workers=2) == 14
    assert _entries() == serial


def test_index_rows_keeps_the_order_of_the_documents():
    docs = [{"id": n, "title": f"标题{n}", "text": "锂电池正极材料"} for n in range(25)]
    assert list(index_rows(docs, workers=2)) == [index_row(d) for d in docs]


def test_the_rebuild_command_shows_progress_and_the_count():
    org = factories.organisation()
    factories.achievement(org, title="石墨烯导热膜")
    out = StringIO()
    call_command("search_index", "--rebuild", "--backend", "database", "--workers", "2", stdout=out)
    assert "1/1" in out.getvalue() and "Indexed 1 documents (database)." in out.getvalue()
