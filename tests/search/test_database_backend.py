"""The database backend: BM25 over segmented words in SQLite FTS5 or PostgreSQL."""

import pytest

from marketplace.models import CooperationMode, ListingStatus
from search import service
from search.backends import get_backend
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def backend(settings):
    settings.SEARCH_BACKEND = "database"
    return get_backend("database")


@pytest.fixture
def org():
    return factories.organisation()


def _ids(result):
    return [h.id for h in result.hits]


def test_words_find_and_rank_a_title_match_first(backend, org):
    in_text = factories.achievement(
        org, title="高导热复合薄膜", summary="以石墨烯为填料的聚合物薄膜，用于手机散热。"
    )
    in_title = factories.achievement(
        org, title="石墨烯导热膜的连续化制备", summary="高导热石墨烯薄膜，卷对卷生产。"
    )
    factories.achievement(org, title="水稻抗倒伏栽培技术", summary="提高水稻产量。")
    backend.rebuild()

    result = service.search("石墨烯")
    assert result.backend == "database"
    assert _ids(result) == [in_title.pk, in_text.pk]
    assert result.count == 2
    assert result.hits[0].score > result.hits[1].score
    assert "<mark>石墨烯</mark>" in result.hits[0].highlight


def test_all_words_of_a_query_count(backend, org):
    both = factories.achievement(org, title="锂电池隔膜涂覆工艺", summary="陶瓷涂覆提高耐热性。")
    one = factories.achievement(org, title="锂电池回收利用", summary="湿法回收有价金属。")
    backend.rebuild()
    assert _ids(service.search("锂电池 涂覆")) == [both.pk, one.pk]


def test_single_characters_find_what_the_segmenter_cut_differently(backend, org):
    item = factories.achievement(org, title="石墨烯导热膜的连续化制备", summary="卷对卷生产。")
    factories.achievement(org, title="水稻抗倒伏栽培技术", summary="提高水稻产量。")
    backend.rebuild()
    # "墨烯" is no word of the index (石墨烯 is one word), its characters are.
    assert _ids(service.search("墨烯")) == [item.pk]
    assert _ids(service.search("膜")) == [item.pk]
    assert service.search("量子").count == 0  # no character in common: nothing


def test_a_character_of_two_query_words_counts_once_toward_the_share_of_grams(backend, org):
    # 电池 电机: five distinct grams (电 池 电池 机 电机), three needed without a query word.
    three = factories.achievement(org, title="池边电动机组", summary="水泵改造。")
    two = factories.achievement(org, title="池塘供电方案", summary="水泵改造。")  # 电 池
    backend.rebuild()
    result = service.search("电池 电机")
    assert _ids(result) == [three.pk]
    assert two.pk not in _ids(result) and result.count == 1


def test_a_query_in_traditional_characters_and_full_width_finds_simplified_text(backend, org):
    item = factories.achievement(org, title="OLED显示屏驱动芯片", summary="低功耗。")
    backend.rebuild()
    assert _ids(service.search("ＯＬＥＤ顯示屏")) == [item.pk]


def test_unpublished_listings_are_never_found(backend, org):
    draft = factories.achievement(org, title="超导量子芯片", status=ListingStatus.DRAFT)
    submitted = factories.need(org, title="超导量子测控", status=ListingStatus.SUBMITTED)
    backend.rebuild()
    backend.index("achievement", [draft.pk])
    backend.index("need", [submitted.pk])
    assert service.search("超导").count == 0
    assert service.search("").count == 0


def test_indexing_follows_changes_and_deletions(backend, org):
    item = factories.achievement(org, title="可降解塑料改性配方")
    backend.index("achievement", [item.pk])
    assert _ids(service.search("可降解塑料")) == [item.pk]

    item.title = "生物基尼龙合成工艺"
    item.save()
    backend.index("achievement", [item.pk])
    assert service.search("可降解塑料").count == 0
    assert _ids(service.search("尼龙")) == [item.pk]

    item.status = ListingStatus.ARCHIVED
    item.save()
    backend.index("achievement", [item.pk])
    assert service.search("尼龙").count == 0

    other = factories.achievement(org, title="尼龙回收再生")
    backend.index("achievement", [other.pk])
    pk = other.pk
    other.delete()
    backend.index("achievement", [pk])
    assert service.search("尼龙").count == 0


def test_facets_filters_types_and_sorting(backend, org):
    company = factories.organisation(kind="enterprise")
    licence = CooperationMode.objects.order_by("id").first()
    older = factories.achievement(org, title="工业机器人视觉定位")
    older.cooperation_modes.add(licence)
    newer = factories.achievement(company, title="机器人焊接工作站")
    need = factories.need(company, title="机器人打磨工艺改进")
    for pk, published in ((older.pk, "2024-01-01"), (newer.pk, "2024-06-01")):
        type(older).objects.filter(pk=pk).update(published_at=f"{published}T00:00:00Z")
    backend.rebuild()

    result = service.search("机器人", facets=True)
    assert result.count == 3
    assert result.facets["type"] == {"achievement": 2, "need": 1}
    assert result.facets["organisation_kind"] == {"enterprise": 2, "university": 1}
    assert result.facets["cooperation_modes"] == {licence.name: 1}
    assert _ids(service.search("机器人", type_filter="need")) == [need.pk]
    enterprise = service.search("机器人", filters={"organisation_kind": "enterprise"})
    assert {(h.type, h.id) for h in enterprise.hits} == {
        ("achievement", newer.pk),
        ("need", need.pk),
    }
    by_mode = service.search("机器人", filters={"cooperation_modes": licence.name})
    assert _ids(by_mode) == [older.pk]
    newest = service.search("机器人", type_filter="achievement", sort="newest")
    assert _ids(newest) == [newer.pk, older.pk]


def test_pages_do_not_overlap_and_the_count_is_the_total(backend, org):
    items = [factories.achievement(org, title=f"传感器标定方法{i}") for i in range(5)]
    backend.rebuild()
    first = service.search("传感器", page=1, page_size=2)
    second = service.search("传感器", page=2, page_size=2)
    beyond = service.search("传感器", page=9, page_size=2)
    assert first.count == second.count == beyond.count == 5
    assert not set(_ids(first)) & set(_ids(second))
    assert beyond.hits == []
    assert len(items) == 5


def test_an_anonymised_need_does_not_reveal_its_enterprise(backend, org):
    company = factories.organisation(kind="enterprise", name="温州某某阀门有限公司")
    factories.need(company, title="阀门密封件寿命提升", disclosure="anonymous")
    backend.rebuild()
    result = service.search("阀门", facets=True)
    assert result.count == 1
    from search.models import SearchEntry

    assert SearchEntry.objects.get().organisation == ""


def test_a_rebuild_reads_each_listing_as_the_model_describes_it(org):
    from marketplace.models import Achievement, Industry, Need, TechField
    from search.documents import DOCUMENT_TYPES, iter_documents

    company = factories.organisation(kind="enterprise")
    subfield = TechField.objects.filter(parent__isnull=False).first()
    modes = list(CooperationMode.objects.all()[:3])
    rich = factories.achievement(
        org,
        title="石墨烯导热膜",
        description="<p>高导热</p><ul><li>薄膜 &amp; 涂层</li></ul>",
        problem="  散热不足  ",
        keywords=["石墨烯", "导热"],
        tech_field=subfield,
        industry=Industry.objects.filter(parent__isnull=False).first(),
    )
    rich.cooperation_modes.add(modes[2], modes[0])  # listed in the code list's order
    bare = factories.achievement(org, title="水稻栽培", tech_field=None, published_at=None)
    factories.achievement(org, title="草稿", status=ListingStatus.DRAFT)
    hidden = factories.need(company, title="阀门密封", disclosure="anonymous", targets="寿命翻倍")
    hidden.cooperation_modes.add(modes[1])
    public = factories.need(company, title="注塑翘曲", keywords=["注塑"])

    for model, expected in ((Achievement, [rich, bare]), (Need, [hidden, public])):
        doc_type = DOCUMENT_TYPES[model._meta.model_name]
        objects = list(doc_type.public_queryset())
        assert {o.pk for o in objects} == {o.pk for o in expected}
        # The rebuild reads plain rows; the documents are those of the model instances.
        assert list(iter_documents(doc_type)) == [doc_type.to_document(o) for o in objects]
        one = objects[-1]
        assert list(iter_documents(doc_type, [one.pk])) == [doc_type.to_document(one)]

    doc = next(d for d in iter_documents(DOCUMENT_TYPES["achievement"]) if d["id"] == rich.pk)
    assert doc["cooperation_modes"] == [modes[0].name, modes[2].name]
    assert doc["tech_field"] == subfield.parent.name and doc["tech_subfield"] == subfield.name
    assert doc["text"].split("\n")[1:3] == ["高导热   薄膜 & 涂层", "散热不足"]
    assert doc["url"] == rich.get_absolute_url()
    anonymous = next(d for d in iter_documents(DOCUMENT_TYPES["need"]) if d["id"] == hidden.pk)
    assert anonymous["organisation"] == "" and anonymous["cooperation_modes"] == [modes[1].name]


def test_tsvector_literals_hold_each_token_once_with_its_positions():
    from search.backends.database.sql_postgres import tsvector_literal

    assert tsvector_literal("膜 导热 膜 膜") == "'膜':1,3,4 '导热':2"
    assert tsvector_literal("it's a\\b") == "'it''s':1 'a\\\\b':2"
    assert tsvector_literal("") == ""
    # A tsvector keeps 256 positions of a lexeme, and none past 16383.
    assert tsvector_literal(" ".join(["膜"] * 300)) == "'膜':" + ",".join(map(str, range(1, 257)))
    late = tsvector_literal(" ".join(["a"] * 16382 + ["z", "z", "b", "z"]))
    assert late.endswith(" 'z':16383 'b':16383")


def test_a_postgresql_rebuild_stores_the_tsvectors_of_the_token_streams(backend, org):
    from django.db import connection

    from search.backends.database.sql_postgres import tsvector_literal
    from search.query import FIELDS

    if connection.vendor != "postgresql":
        pytest.skip("tsvector columns exist on PostgreSQL only")
    factories.achievement(org, title="石墨烯导热膜", summary="卷对卷生产，石墨烯薄膜。")
    factories.need(org, title="注塑翘曲", description="汽车内饰件翘曲。")
    assert backend.rebuild() == 2
    streams = ", ".join(FIELDS)
    vectors = ", ".join(f"{f}_tsv::text" for f in FIELDS)
    lengths = ", ".join(f"{f}_len" for f in FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {streams}, {vectors}, {lengths} FROM search_entry")
        rows = cursor.fetchall()
        assert len(rows) == 2
        for row in rows:
            texts, stored, counts = row[:3], row[3:6], row[6:]
            assert list(counts) == [len(t.split()) for t in texts]
            for text, vector in zip(texts, stored, strict=True):
                # What a rebuild copies in is what the literal reads as.
                cursor.execute("SELECT %s::tsvector::text", [tsvector_literal(text)])
                assert vector == cursor.fetchone()[0]
    # Search mode: the sub-word 石墨 comes first, then the word it is part of.
    assert "'石墨':1 '石墨烯':2" in next(row[4] for row in rows if "石墨烯" in row[1])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_postgresql_rebuild_outside_a_transaction_vacuums_and_still_finds(settings):
    """A rebuild run as a command (no transaction around it) ends with VACUUM ANALYZE,
    which PostgreSQL refuses inside a transaction; searches read the result at once."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    from tests.conftest import restore_reference_data

    restore_reference_data()  # the code lists, if an earlier live-server test flushed them
    settings.SEARCH_BACKEND = "database"
    org = factories.organisation()
    film = factories.achievement(org, title="石墨烯导热膜", summary="卷对卷生产，石墨烯薄膜。")
    assert not connection.in_atomic_block
    assert get_backend("database").rebuild() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables "
            "WHERE relname = 'search_entry'"
        )
        assert cursor.fetchone()[0] >= 1
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'search_entry_lengths'")
        assert cursor.fetchone() is not None  # the collection statistics' index (0005)
    assert _ids(service.search("石墨烯")) == [film.pk]
