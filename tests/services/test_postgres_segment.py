"""PostgreSQL's postings segment (search/backends/database/segment.py): searches read
each term's documents at once and score them with numpy. Whatever was written since
the segment was taken is read from the table, so every answer is the SQL path's."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.models import CooperationMode, ListingStatus, TechField
from search import service, tasks
from search.backends import get_backend
from search.backends.base import SORTS
from search.backends.database import DatabaseBackend, segment
from search.models import PostingSegment, RemovedEntry, SearchEntry
from search.query import FIELDS, WORDS, build_search_query
from tests import factories

pytestmark = pytest.mark.postgres

VOCABULARY = (
    "石墨烯 导热 薄膜 锂电池 隔膜 涂覆 陶瓷 正极 材料 制备 方法 传感器 柔性 电子 皮肤 "
    "水稻 栽培 抗倒伏 土壤 修复 重金属 污泥 发酵 注塑 翘曲 模具 激光 焊接 机器人 视觉 "
    "检测 算法 图像 识别 光伏 组件 清洗 风机 叶片 监测 振动 轴承 故障 诊断"
).split()
QUERIES = [
    "石墨烯",
    "锂电池 涂覆",
    "激光焊接 机器人",
    "墨烯",  # characters only: the share-of-grams rule
    "土壤重金属修复",
    "故障",
    "量子",  # nothing in common
    "传感器 柔性 皮肤 检测",
]


class SqlOnly(DatabaseBackend):
    """The SQL path, segment or not."""

    _segmented = False


@pytest.fixture
def backend(postgres, settings):
    settings.SEARCH_BACKEND = "database"
    return get_backend("database")


def _text(rng: random.Random, n: int) -> str:
    return "，".join("".join(rng.sample(VOCABULARY, 2)) for _ in range(n)) + "。"


@pytest.fixture
def corpus(backend):
    """Forty-odd listings of two types, two organisations, several fields and dates
    (some the same, so scores and dates tie), and a draft."""
    rng = random.Random(7)
    fields = list(TechField.objects.order_by("pk")[:3])
    orgs = [factories.organisation(kind="university"), factories.organisation(kind="enterprise")]
    start = timezone.now() - timedelta(days=100)
    modes = list(CooperationMode.objects.order_by("pk")[:3])
    made = []
    for i in range(30):
        item = factories.achievement(
            orgs[i % 2],
            title=_text(rng, 1)[:-1],
            summary=_text(rng, rng.randint(3, 12)),
            tech_field=fields[i % len(fields)],
            published_at=start + timedelta(days=i // 3),
            price=Decimal(10_000 * i) if i % 4 else None,
        )
        item.cooperation_modes.add(*modes[: i % 4])  # none to three: a list facet
        made.append(item)
    for i in range(14):
        made.append(
            factories.need(
                orgs[1],
                title=_text(rng, 1)[:-1],
                description=_text(rng, rng.randint(2, 8)),
                published_at=start + timedelta(days=i),
            )
        )
    made.append(factories.achievement(orgs[0], title="石墨烯草稿", status=ListingStatus.DRAFT))
    backend.rebuild()
    return made


def _same(a, b):
    assert a.count == b.count
    assert [(i.type, i.id) for i in a.items] == [(i.type, i.id) for i in b.items]
    for x, y in zip(a.items, b.items, strict=True):
        assert x.score == pytest.approx(y.score, rel=1e-9)
        assert (x.title, x.url, x.text, x.words) == (y.title, y.url, y.text, y.words)
    assert a.facets == b.facets


def _assert_as_sql(backend, texts=QUERIES):
    sql = SqlOnly()
    field = TechField.objects.order_by("pk").first().name
    assert SearchEntry.objects.filter(tech_field=field).exists()
    checked = 0
    for text in texts:
        query = build_search_query(text)
        for kwargs in (
            {"types": ["achievement", "need"], "limit": 10},
            {"types": ["achievement", "need"], "offset": 5, "limit": 7, "with_words": True},
            {"types": ["need"], "limit": 20, "facets": True},
            {"types": ["achievement", "need"], "limit": 3, "facets": True},
            {"types": ["achievement"], "filters": {"tech_field": field}, "limit": 5},
            *({"types": ["achievement", "need"], "sort": s, "limit": 8} for s in SORTS),
        ):
            _same(backend.rank(query, **kwargs), sql.rank(query, **kwargs))
            checked += 1
    assert checked == 8 * len(texts)


def test_a_rebuild_takes_a_segment_that_ranks_exactly_as_the_sql(backend, corpus):
    taken = PostingSegment.objects.get()
    assert taken.documents == SearchEntry.objects.count() == len(corpus) - 1  # not the draft
    assert not RemovedEntry.objects.exists()  # the rebuild's own deletions are in it
    _assert_as_sql(backend)
    with CaptureQueriesContext(connection) as statements:
        backend.rank(build_search_query("石墨烯 传感器"), types=["achievement", "need"])
    sql = " ".join(q["sql"] for q in statements.captured_queries)
    assert "search_posting" in sql and "ts_filter" not in sql  # postings, no vectors read
    result = backend.rank(build_search_query("石墨烯"), types=["achievement", "need"], facets=True)
    assert result.count > 0 and all(i.score > 0 for i in result.items)
    assert sum(result.facets["type"].values()) == result.count
    assert len(result.facets["tech_field"]) > 1 and result.facets["organisation_kind"]
    assert len(result.facets["cooperation_modes"]) > 1 and result.facets["price_band"]
    terms = ["石墨烯", "故障", "量子"]
    assert backend.doc_freqs(WORDS, terms) == SqlOnly().doc_freqs(WORDS, terms)
    assert backend.doc_freqs(WORDS, terms)[1]["石墨烯"] > 0


def test_changes_after_the_segment_are_searched_at_once(backend, corpus):
    edited, unpublished, deleted = corpus[0], corpus[1], corpus[2]
    old_title = edited.title
    edited.title, edited.summary = "钙钛矿叠层电池", "钙钛矿与晶硅叠层，效率提升。"
    edited.save()
    backend.index("achievement", [edited.pk])
    unpublished.status = ListingStatus.DRAFT
    unpublished.save()
    backend.index("achievement", [unpublished.pk])
    SearchEntry.objects.filter(doc_type="achievement", object_id=deleted.pk).delete()
    # A new kind of organisation: a facet value the segment has never seen.
    institute = factories.organisation(kind="institute")
    new = factories.need(institute, title="钙钛矿薄膜封装", description="水汽阻隔。")
    backend.index("need", [new.pk])

    # The trigger marked every entry changed or gone: their old postings are not used.
    assert RemovedEntry.objects.count() == 3
    assert PostingSegment.objects.count() == 1
    found = service.search("钙钛矿")
    assert {(h.type, h.id) for h in found.hits} == {("achievement", edited.pk), ("need", new.pk)}
    for gone in (unpublished, deleted):
        hits = {(h.type, h.id) for h in service.search(gone.title).hits}
        assert ("achievement", gone.pk) not in hits
    assert ("achievement", edited.pk) not in {
        (h.type, h.id) for h in service.search(old_title).hits
    }
    _assert_as_sql(backend, [*QUERIES, "钙钛矿 薄膜", old_title])
    # Document frequencies (matching) count the changed entries once, as they are now.
    texts = [old_title, unpublished.title, deleted.title, "钙钛矿叠层电池 薄膜封装"]
    for field_name in FIELDS:
        terms = sorted({t for text in texts for t in build_search_query(text).terms(field_name)})
        assert backend.doc_freqs(field_name, terms) == SqlOnly().doc_freqs(field_name, terms)
        assert any(backend.doc_freqs(field_name, terms)[1].values())
    kinds = backend.rank(build_search_query("钙钛矿"), types=["need"], facets=True).facets
    assert kinds["organisation_kind"] == {"institute": 1}

    # A new segment takes the changes in; the answers stay the same.
    before = service.search("钙钛矿 薄膜")
    segment.build()
    assert not RemovedEntry.objects.exists()
    assert PostingSegment.objects.get().documents == SearchEntry.objects.count()
    after = service.search("钙钛矿 薄膜")
    assert [(h.id, h.score) for h in after.hits] == [(h.id, h.score) for h in before.hits]
    _assert_as_sql(backend, [*QUERIES, "钙钛矿 薄膜"])


def test_the_reconcile_task_takes_a_segment_when_none_exists_or_many_entries_changed(
    backend, monkeypatch
):
    org = factories.organisation()
    item = factories.achievement(org, title="石墨烯导热膜", summary="卷对卷生产。")
    backend.index("achievement", [item.pk])
    assert not PostingSegment.objects.exists()
    assert service.search("石墨烯").count == 1  # the SQL path, without a segment
    backend.index("achievement", [item.pk])  # written again: nothing to mask yet
    assert not RemovedEntry.objects.exists()

    assert backend.health()["segment"]["documents"] is None  # none yet
    assert tasks.reconcile_index()["segment"] == 1  # none yet, and there are entries
    first = PostingSegment.objects.get()
    assert backend.health()["segment"] == {"documents": 1, "changes": 0, "refresh_at": 500}
    assert tasks.reconcile_index()["segment"] == 0  # nothing changed since

    monkeypatch.setattr(segment, "STALE_MIN", 3)
    item.title = "石墨烯散热膜"
    item.save()
    backend.index("achievement", [item.pk])  # one entry removed, one written: below 3
    assert tasks.reconcile_index()["segment"] == 0
    assert backend.health()["segment"]["changes"] == 2
    other = factories.achievement(org, title="石墨烯电极", summary="超级电容器。")
    backend.index("achievement", [other.pk])  # and one more written: 3
    assert tasks.reconcile_index()["segment"] == 1
    assert PostingSegment.objects.get().pk != first.pk
    assert not RemovedEntry.objects.exists()
    assert {h.id for h in service.search("石墨烯").hits} == {item.pk, other.pk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_search_reads_one_snapshot(postgres, settings):
    """A request has no transaction: its search reads in one repeatable-read snapshot,
    so a segment swapped in meanwhile cannot mix with the one it started with."""
    from tests.conftest import restore_reference_data

    restore_reference_data()  # the code lists, if an earlier live-server test flushed them
    settings.SEARCH_BACKEND = "database"
    item = factories.achievement(factories.organisation(), title="石墨烯导热膜")
    get_backend("database").rebuild()  # a command: no transaction, then VACUUM
    assert not connection.in_atomic_block
    with segment.consistent_reads(), connection.cursor() as cursor:
        cursor.execute("SHOW transaction_isolation")
        assert cursor.fetchone()[0] == "repeatable read"
    assert not connection.in_atomic_block
    assert PostingSegment.objects.get().documents == 1
    assert [h.id for h in service.search("石墨烯").hits] == [item.pk]
