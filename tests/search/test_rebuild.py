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


# --- an Elasticsearch rebuild reads unchanged streams from the database index -------------
def _reused(type_name: str) -> list[dict]:
    from functools import partial

    from search.documents import DOCUMENT_TYPES, iter_documents
    from search.indexing import reusing_rows

    stored = partial(DatabaseBackend().stored_streams, type_name)
    return list(reusing_rows(iter_documents(DOCUMENT_TYPES[type_name]), stored))


def _analysed(type_name: str) -> list[dict]:
    from search.documents import DOCUMENT_TYPES, iter_documents

    return list(index_rows(iter_documents(DOCUMENT_TYPES[type_name])))


def _tamper(listing, **columns) -> None:
    from search.models import SearchEntry

    doc_type = listing._meta.model_name
    assert SearchEntry.objects.filter(doc_type=doc_type, object_id=listing.pk).update(**columns)


def test_stored_streams_give_exactly_the_documents_a_fresh_analysis_gives():
    org = factories.organisation()
    for n in range(4):
        factories.achievement(
            org, title=f"柔性壓力傳感器第{n}代", summary="<p>可穿戴ＰＭ２.５监测，精度±1%。</p>"
        )
        factories.need(org, title=f"注塑件翘曲控制{n}", description="C++ 控制程序与機器視覺")
    backend: DatabaseBackend = get_backend("database")
    assert backend.rebuild() == 8
    for type_name in ("achievement", "need"):
        ids = [row["id"] for row in _analysed(type_name)]
        assert set(backend.stored_streams(type_name, ids)) == set(ids)  # all of them reused
        assert _reused(type_name) == _analysed(type_name)


def test_streams_are_reused_only_for_an_unchanged_text_and_the_same_analysis():
    from marketplace.models import Achievement

    org = factories.organisation()
    kept = factories.achievement(org, title="石墨烯导热膜")
    edited = factories.achievement(org, title="钙钛矿太阳能电池")
    older = factories.achievement(org, title="固态电解质薄膜")
    assert get_backend("database").rebuild() == 3
    # Marks in the stored streams show which were reused rather than analysed again.
    for listing in (kept, edited, older):
        _tamper(listing, words="标记词")
    _tamper(older, analysis="0" * 16)  # written by another analysis (code or dictionary)
    # Changed without the index hearing of it (a queryset update sends no signal).
    Achievement.objects.filter(pk=edited.pk).update(title="钙钛矿叠层电池")

    rows = {row["id"]: row for row in _reused("achievement")}
    assert rows[kept.pk]["words"] == "标记词"
    assert "叠层" in rows[edited.pk]["words"].split()
    assert "固态" in rows[older.pk]["words"].split()
    assert rows[edited.pk] == index_row(rows[edited.pk])


def test_the_analysis_fingerprint_follows_the_dictionary_file(settings, tmp_path):
    from search import analysis

    before = analysis.fingerprint()
    assert analysis.fingerprint() == before
    custom = tmp_path / "words.txt"
    custom.write_text("钙钛矿叠层 10\n", encoding="utf-8")
    settings.SEARCH_USER_DICTIONARY = str(custom)
    first = analysis.fingerprint()
    assert first != before
    custom.write_text("钙钛矿叠层 10\n固态电解质 10\n", encoding="utf-8")
    assert analysis.fingerprint() not in (before, first)


def test_reusing_rows_analyses_what_is_not_stored_in_worker_processes_in_order():
    from search.indexing import PARALLEL_CHUNK, reusing_rows

    docs = [
        {"id": n, "title": f"标题{n}", "text": "锂电池正极材料" if n % 2 else "柔性傳感器"}
        for n in range(PARALLEL_CHUNK + 300)
    ]
    stored = {3: ("标题3", "锂电池正极材料", {"words": "标记", "title_words": "", "grams": ""})}
    rows = list(
        reusing_rows(docs, lambda ids: {i: stored[i] for i in ids if i in stored}, workers=2)
    )
    assert [r["id"] for r in rows] == [d["id"] for d in docs]
    assert rows[3]["words"] == "标记"
    assert rows[:3] + rows[4:] == [index_row(d) for d in docs[:3] + docs[4:]]


def test_the_rebuild_command_analyses_the_database_index_in_a_process_per_core(monkeypatch):
    import os

    from search.backends.elastic import ElasticsearchBackend

    asked = []

    def rebuild(self, progress=None, *, workers=1):
        asked.append((self.name, workers))
        return 0

    monkeypatch.setattr(DatabaseBackend, "rebuild", rebuild)
    monkeypatch.setattr(ElasticsearchBackend, "rebuild", rebuild)
    for backend in ("database", "elasticsearch"):
        call_command("search_index", "--rebuild", "--backend", backend, stdout=StringIO())
    call_command(
        "search_index", "--rebuild", "--backend", "database", "--workers", "1", stdout=StringIO()
    )
    # Elasticsearch reads most words from the database index: its own analysis would
    # only compete with Elasticsearch for the cores.
    assert asked == [
        ("database", min(4, os.cpu_count() or 1)),
        ("elasticsearch", 1),
        ("database", 1),
    ]
