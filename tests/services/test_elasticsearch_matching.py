"""Against the real Elasticsearch 9 (no mocks): alias swaps under concurrent queries,
catching up after an outage, and matching with a fallback to the database."""

import threading
import time

import pytest
from django.core.management import call_command

from marketplace.models import Achievement, ListingStatus, TechField
from search import engine, service
from search.backends import get_backend
from search.backends.elastic import ElasticsearchBackend
from search.documents import DOCUMENT_TYPES
from search.tasks import reconcile_index
from tests import factories

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db]

CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens there


def _many_achievements(org, n: int) -> None:
    field = TechField.objects.get(name="电子信息", parent=None)
    Achievement.objects.bulk_create(
        [
            Achievement(
                organisation=org,
                title=f"{'柔性压力传感器' if i % 4 == 0 else '工业机器人减速器'}第{i}号",
                summary="面向可穿戴设备与工业现场的测量方案，批量生产，成本低。" * 3,
                tech_field=field,
                trl=6,
                status=ListingStatus.PUBLISHED,
            )
            for i in range(n)
        ]
    )


def test_queries_during_a_rebuild_never_see_an_empty_index_or_an_error(elasticsearch_backend):
    _many_achievements(factories.organisation(), 600)
    elasticsearch_backend.rebuild()
    expected = service.search("传感器").count
    assert expected == 150

    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def query() -> None:
        backend = ElasticsearchBackend()  # the same index prefix, its own connection
        while not stop.is_set():
            try:
                result = backend.search(
                    "传感器", types=["achievement", "need"], page=1, page_size=5
                )
                seen.append(result.count)
            except BaseException as exc:  # noqa: BLE001 — any failure fails the test
                errors.append(exc)

    thread = threading.Thread(target=query)
    thread.start()
    try:
        for _ in range(3):
            call_command("search_index", "--rebuild", "--backend", "elasticsearch", stdout=None)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not errors, errors[:3]
    assert len(seen) >= 20  # the queries really overlapped the rebuilds
    assert set(seen) == {expected}


def test_updates_missed_while_elasticsearch_was_down_are_caught_up(
    elasticsearch_backend, settings, django_capture_on_commit_callbacks
):
    org = factories.organisation()
    kept = factories.achievement(org, title="石墨烯导热膜的连续化制备")
    withdrawn = factories.achievement(org, title="石墨烯防腐涂料")
    elasticsearch_backend.rebuild()
    get_backend("database").rebuild()
    url = settings.ELASTICSEARCH_URL

    settings.ELASTICSEARCH_URL = CLOSED_PORT  # Elasticsearch goes away
    with django_capture_on_commit_callbacks(execute=True):  # the receivers' own path
        new = factories.achievement(org, title="石墨烯散热片量产工艺")
        withdrawn.status = ListingStatus.ARCHIVED
        withdrawn.save()
    down = service.search("石墨烯")
    assert down.backend == "database" and down.notice  # the database index kept up
    assert {h.title for h in down.hits} == {kept.title, new.title}

    settings.ELASTICSEARCH_URL = url  # …and comes back, behind
    behind = service.search("石墨烯")
    assert behind.backend == "elasticsearch"
    assert {h.title for h in behind.hits} == {kept.title, withdrawn.title}

    report = reconcile_index()
    assert report == {"dictionary": 0, "indexed": 1, "removed": 1, "errors": 0, "segment": 0}
    caught_up = service.search("石墨烯")
    assert caught_up.backend == "elasticsearch"
    assert {h.title for h in caught_up.hits} == {kept.title, new.title}


def test_reconcile_while_elasticsearch_is_down_reports_and_changes_nothing(
    elasticsearch_backend, settings
):
    factories.achievement(factories.organisation(), title="海水淡化反渗透膜")
    settings.ELASTICSEARCH_URL = CLOSED_PORT
    report = reconcile_index()
    assert report["errors"] == len(DOCUMENT_TYPES)  # every document type, on Elasticsearch
    assert report["indexed"] == 1  # the database index caught up all the same


def test_dictionary_words_wait_for_elasticsearch_to_come_back(elasticsearch_backend, settings):
    """A word whose re-indexing was missed stays written down while Elasticsearch is down."""
    from search.models import DictionaryReindex, DictionaryWord

    DictionaryWord.objects.bulk_create([DictionaryWord(word="光伏储氢一体机")])
    DictionaryReindex.objects.create(word="光伏储氢一体机")
    factories.achievement(factories.organisation(), summary="新型光伏储氢一体机的控制。")
    url = settings.ELASTICSEARCH_URL
    settings.ELASTICSEARCH_URL = CLOSED_PORT
    assert reconcile_index()["dictionary"] == 0
    assert DictionaryReindex.objects.count() == 1  # kept for the next run
    settings.ELASTICSEARCH_URL = url
    assert reconcile_index()["dictionary"] == 1
    assert not DictionaryReindex.objects.exists()
    found = service.search("光伏储氢一体机")
    assert found.backend == "elasticsearch" and found.count == 1


def ids(result) -> list[int]:
    return [m.id for m in result.items]


def test_matching_on_elasticsearch_ranks_like_the_database_and_falls_back(
    elasticsearch_backend, settings
):
    from tests.search.test_match_explanations import UNRELATED

    uni = factories.organisation()
    company = factories.organisation(kind="enterprise")
    need = factories.need(
        company,
        title="锂电池正极材料循环寿命提升",
        description="三元锂电池正极材料循环寿命不足，希望技术已通过中试。",
    )
    for title, summary in [
        ("高镍三元正极材料及其制备方法", "一种锂电池高镍三元正极材料，循环寿命提升30%。"),
        ("废旧锂电池回收工艺", "废旧锂电池正极材料的湿法回收。"),
        *UNRELATED,
    ]:
        factories.achievement(uni, title=title, summary=summary)
    elasticsearch_backend.rebuild()
    get_backend("database").rebuild()

    on_es = engine.matches_for(need)
    assert on_es.backend == "elasticsearch" and not on_es.notice
    settings.SEARCH_BACKEND = "database"
    on_db = engine.matches_for(need)
    assert ids(on_es) == ids(on_db)
    assert [m.items[0].title for m in (on_es, on_db)] == ["高镍三元正极材料及其制备方法"] * 2

    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = CLOSED_PORT
    cached = engine.matches_for(need)  # the ranking of minutes ago answers without asking
    assert cached.backend == "elasticsearch" and [m.id for m in cached.items] == ids(on_es)
    started = time.monotonic()
    fallback = engine.matches_for(need, cached=False)
    assert fallback.backend == "database" and fallback.notice
    assert ids(fallback) == ids(on_db)
    assert time.monotonic() - started < 10
