"""What makes Elasticsearch fast must not change what it answers (against the real
Elasticsearch 9, no mocks): the score-only ranking with its own tie break, the count and
facets beside it, the merged index a rebuild leaves (or none, if it fails), and the term
statistics matching remembers, forgotten when the index changes."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from marketplace.models import ListingStatus
from search import engine, matching, service
from search.backends import elastic
from search.backends.base import FACETS, SearchUnavailable
from search.backends.elastic import ElasticsearchBackend, query_dsl
from search.documents import DOCUMENT_TYPES
from search.query import WORDS, build_search_query
from search.tasks import index_objects
from tests import factories
from tests.search.test_challenge_matching import _challenge

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db]


def _indexes(backend: ElasticsearchBackend) -> set[str]:
    return set(backend.client.indices.get(index=f"{backend.prefix}-*", allow_no_indices=True))


def _keys(result) -> list[tuple[str, int]]:
    return [(h.type, h.id) for h in result.hits]


@pytest.mark.parametrize("retry_margin", [elastic.TOP_RETRY_MARGIN, 6])
def test_equal_scores_are_listed_newest_first_across_pages(
    elasticsearch_backend, monkeypatch, retry_margin
):
    """The fast path ranks by score alone and breaks ties itself: with more tied listings
    than it fetches beyond a page, and with fewer, the pages are those of the full sort.
    A tie longer than the first fetch is asked for once more with a wider margin; only a
    tie longer than that too falls back to the full sort (one request more)."""
    monkeypatch.setattr(elastic, "TOP_RETRY_MARGIN", retry_margin)
    org = factories.organisation()
    now = timezone.now()
    same = [
        factories.achievement(
            org,
            title="柔性压力传感器",
            summary="可穿戴测量。",
            published_at=now - dt.timedelta(days=days),
        )
        for days in (5, 1, 9, 3, 14, 7, 2, 11, 4, 13, 6, 8, 12, 10, 15)
    ]
    newest_first = [a.pk for a in sorted(same, key=lambda a: a.published_at, reverse=True)]
    elasticsearch_backend.rebuild()

    client = elasticsearch_backend.client  # the one every backend of this process shares
    full_sorts = []  # the full sort is a plain search; the fast path uses msearch
    real_search = client.search
    monkeypatch.setattr(client, "search", lambda **kw: full_sorts.append(1) or real_search(**kw))

    # Typed as keywords: no word-order re-ranking (search/phrases.py), which would ask for
    # its whole window instead of each page.
    pages = [service.search("柔性 压力传感器", page=n, page_size=4) for n in (1, 2, 3, 4)]
    assert [h.id for page in pages for h in page.hits] == newest_first
    assert {page.count for page in pages} == {15}
    # Page 1 asks for 4 + 5: all 15 tie. A retry margin of 50 sees the tie's end; one of
    # 6 (4 + 6 < 15) does not (nor on page 2: 8 + 6), and the full sort answers.
    assert len(full_sorts) == (0 if retry_margin > 15 else 2)
    monkeypatch.setattr(client, "search", real_search)

    few = same[:3]  # three tied listings, the rest no longer matching
    for other in same[3:]:
        other.title = "注塑件翘曲控制"
        other.summary = "工艺参数优化。"
        other.save()
    elasticsearch_backend.rebuild()
    first = service.search("柔性 压力传感器", page_size=2)
    expected = [a.pk for a in sorted(few, key=lambda a: a.published_at, reverse=True)]
    assert [h.id for h in first.hits] == expected[:2] and first.count == 3


def test_the_fast_ranking_count_and_facets_equal_the_full_sort(elasticsearch_backend):
    org = factories.organisation(kind="enterprise")
    uni = factories.organisation()
    titles = ["锂电池正极材料", "锂电池隔膜", "正极材料回收", "电池管理系统", "固态电池电解质"]
    for n, title in enumerate(titles * 3):
        factories.achievement(uni, title=f"{title}{n}", summary=f"{title}的制备方法与应用。")
        factories.need(org, title=f"{title}需求{n}", description=f"寻求{title}技术。")
    _challenge(org, title="固态电池电解质攻关")
    elasticsearch_backend.rebuild()
    backend = elasticsearch_backend
    aggs = {name: {"terms": {"field": name, "size": 50}} for name in FACETS}
    for q in ("锂电池 正极材料", "电池", "材料 回收", "制备方法", "固态电解质"):
        query = build_search_query(q)
        for types in (["achievement", "need", "challenge"], ["need"]):
            full = backend.client.search(
                index=",".join(backend.alias(t) for t in types),
                query=query_dsl(query, []),
                sort=elastic._SORTS["relevance"],
                size=7,
                from_=3,
                aggs=aggs,
                track_total_hits=True,
                search_type="dfs_query_then_fetch" if len(types) > 1 else None,
            )
            ranking = backend.rank(query, types=types, offset=3, limit=7, facets=True)
            expected = [(h["_source"]["type"], h["_source"]["id"]) for h in full["hits"]["hits"]]
            assert [(r.type, r.id) for r in ranking.items] == expected, q
            assert [r.score for r in ranking.items] == [h["_score"] for h in full["hits"]["hits"]]
            assert ranking.count == full["hits"]["total"]["value"]
            assert ranking.facets == elastic._facet_counts(full)
            uncounted = backend.rank(query, types=types, offset=3, limit=7, count=False)
            assert uncounted.items == ranking.items


def test_a_rebuild_leaves_one_merged_index_per_type_and_removes_the_old(elasticsearch_backend):
    org = factories.organisation()
    film = factories.achievement(org, title="石墨烯导热膜的连续化制备")
    need = factories.need(org, title="石墨烯薄膜散热需求")
    elasticsearch_backend.rebuild()
    before = _indexes(elasticsearch_backend)
    assert elasticsearch_backend.rebuild() == 2
    after = _indexes(elasticsearch_backend)
    assert len(after) == len(DOCUMENT_TYPES) and before.isdisjoint(after)
    segments = elasticsearch_backend.client.indices.segments(index=",".join(after))
    for name, index in segments["indices"].items():
        (shard,) = index["shards"]["0"]
        assert shard["num_search_segments"] <= 1, name
    assert set(_keys(service.search("石墨烯"))) == {("achievement", film.pk), ("need", need.pk)}


def test_a_failed_rebuild_leaves_the_live_index_alone_and_nothing_half_built(
    elasticsearch_backend, monkeypatch
):
    org = factories.organisation()
    factories.achievement(org, title="工业机器人视觉定位系统")
    elasticsearch_backend.rebuild()
    before = _indexes(elasticsearch_backend)
    factories.achievement(org, title="机器人焊接工艺")

    def broken(*args, **kwargs):
        raise elastic.TransportError("the cluster went away")

    monkeypatch.setattr(elastic, "bulk_behind", broken)
    with pytest.raises(SearchUnavailable):
        elasticsearch_backend.rebuild()
    assert _indexes(elasticsearch_backend) == before
    assert service.search("机器人").count == 1  # the old index still answers


def test_a_merge_that_fails_while_the_next_type_loads_leaves_that_type_s_live_index(
    elasticsearch_backend, monkeypatch
):
    org = factories.organisation()
    factories.achievement(org, title="工业机器人视觉定位系统")
    factories.need(org, title="机器人抓取需求")
    elasticsearch_backend.rebuild()
    before = _indexes(elasticsearch_backend)
    factories.achievement(org, title="机器人焊接工艺")
    factories.need(org, title="机器人打磨需求")
    finish = ElasticsearchBackend._finish

    def merge_fails_for_achievements(self, type_name, new_index):
        if type_name == "achievement":
            raise elastic.TransportError("the merge timed out")
        finish(self, type_name, new_index)

    monkeypatch.setattr(ElasticsearchBackend, "_finish", merge_fails_for_achievements)
    with pytest.raises(SearchUnavailable):
        elasticsearch_backend.rebuild()
    after = _indexes(elasticsearch_backend)
    # The achievements' live index is the old one, the needs' the new; nothing else is left.
    assert len(after) == len(DOCUMENT_TYPES)
    assert {i for i in after if "-achievement-" in i} == {i for i in before if "-achievement-" in i}
    assert {i for i in after if "-need-" in i}.isdisjoint(before)
    assert service.search("机器人", type_filter="achievement").count == 1
    assert service.search("机器人", type_filter="need").count == 2


def _bulk_actions(index: str, n: int, bad: set[int], pulled: list[int]):
    for i in range(n):
        pulled.append(i)
        when = "not a date" if i in bad else "2026-01-01T00:00:00+08:00"
        yield {"_index": index, "_id": i, "_source": {"id": i, "published_at": when}}


def test_bulk_loading_with_requests_in_flight_sends_every_listing_once(elasticsearch_backend):
    assert elastic.BULK_IN_FLIGHT > 1  # else this would not test requests side by side
    index = elasticsearch_backend._create_index("achievement")
    progress, pulled = [], []
    actions = _bulk_actions(index, 1234, bad=set(), pulled=pulled)
    done = elastic.bulk_behind(
        elasticsearch_backend.client, actions, chunk_size=100, on_chunk=progress.append
    )
    assert done == 1234 and progress == list(range(100, 1201, 100))
    elasticsearch_backend.client.indices.refresh(index=index)
    assert elasticsearch_backend.client.count(index=index)["count"] == 1234


def test_a_failed_bulk_request_stops_the_loading_and_is_raised(elasticsearch_backend):
    index = elasticsearch_backend._create_index("achievement")
    pulled: list[int] = []
    actions = _bulk_actions(index, 100_000, bad={5}, pulled=pulled)
    with pytest.raises(elastic.helpers.BulkIndexError):
        elastic.bulk_behind(elasticsearch_backend.client, actions, chunk_size=100)
    # Production stopped soon after the failure, not at the end of the listings.
    assert len(pulled) < 5_000


def test_listings_of_two_types_with_the_same_id_are_removed_apart(elasticsearch_backend):
    org = factories.organisation()
    achievement = factories.achievement(org, title="海水淡化反渗透膜")
    need = factories.need(org, id=achievement.pk, title="反渗透膜污染控制")  # ids are per type
    index_objects("achievement", [achievement.pk])
    index_objects("need", [need.pk])
    assert set(_keys(service.search("反渗透"))) == {
        ("achievement", achievement.pk),
        ("need", need.pk),
    }
    need.status = ListingStatus.ARCHIVED
    need.save()
    index_objects("need", [need.pk])
    assert _keys(service.search("反渗透")) == [("achievement", achievement.pk)]
    assert elasticsearch_backend.versions("need") == {}
    assert elasticsearch_backend.versions("achievement").keys() == {achievement.pk}


def test_remembered_term_statistics_are_forgotten_when_the_index_changes(elasticsearch_backend):
    org = factories.organisation()
    factories.achievement(org, title="石墨烯导热膜", summary="石墨烯薄膜。")
    elasticsearch_backend.rebuild()
    assert elasticsearch_backend.doc_freqs(WORDS, ["石墨烯"]) == (1, {"石墨烯": 1})

    factories.achievement(org, title="石墨烯防腐涂料", summary="石墨烯涂层。")
    factories.need(org, title="石墨烯散热需求")
    elasticsearch_backend.rebuild()  # a rebuild in this process
    assert elasticsearch_backend.doc_freqs(WORDS, ["石墨烯"]) == (3, {"石墨烯": 3})

    extra = factories.achievement(org, title="石墨烯电池", summary="石墨烯负极。")
    index_objects("achievement", [extra.pk])  # an update from this process
    assert elasticsearch_backend.doc_freqs(WORDS, ["石墨烯", "负极"]) == (
        4,
        {"石墨烯": 4, "负极": 1},
    )


def test_a_rebuild_elsewhere_is_noticed_by_the_next_search(elasticsearch_backend, monkeypatch):
    """Another process (a worker, the command) rebuilt: this one's remembered statistics
    belong to the old indexes, and the next answer from a new one retires them."""
    org = factories.organisation()
    factories.achievement(org, title="石墨烯导热膜")
    elasticsearch_backend.rebuild()
    assert elasticsearch_backend.doc_freqs(WORDS, ["石墨烯"])[1] == {"石墨烯": 1}
    assert service.search("石墨烯").count == 1  # as a match list ranks after weighing

    factories.achievement(org, title="石墨烯防腐涂料")
    with monkeypatch.context() as elsewhere:  # what another process forgets is not ours
        elsewhere.setattr(elastic, "forget_term_stats", lambda *args, **kwargs: None)
        ElasticsearchBackend().rebuild()
    assert elasticsearch_backend.doc_freqs(WORDS, ["石墨烯"])[1] == {"石墨烯": 1}  # still old
    assert service.search("石墨烯").count == 2
    assert elasticsearch_backend.doc_freqs(WORDS, ["石墨烯"]) == (2, {"石墨烯": 2})


def test_matching_weighs_words_the_same_from_remembered_statistics(elasticsearch_backend):
    org = factories.organisation(kind="enterprise")
    need = factories.need(
        org, title="锂电池正极材料循环寿命提升", description="三元正极材料循环寿命不足。"
    )
    for title in ("高镍三元正极材料", "锂电池隔膜", "废旧锂电池回收", "水稻栽培技术"):
        factories.achievement(org, title=title, summary=f"{title}的制备方法。")
    elasticsearch_backend.rebuild()
    text = engine.listing_text(DOCUMENT_TYPES["need"], need)
    fresh = matching.term_weights(text, elasticsearch_backend)
    remembered = matching.term_weights(text, elasticsearch_backend)
    elastic.forget_term_stats()
    assert fresh == remembered == matching.term_weights(text, elasticsearch_backend)
    assert fresh


def test_search_bench_reports_elasticsearch_s_own_time_beside_the_whole(elasticsearch_backend):
    org = factories.organisation(kind="enterprise")
    for n, title in enumerate(("锂电池正极材料", "工业机器人视觉定位", "石墨烯导热膜")):
        factories.achievement(org, title=f"{title}{n}", summary=f"{title}的制备方法。")
        factories.need(org, title=f"{title}需求{n}", description=f"寻求{title}技术。")
    elasticsearch_backend.rebuild()
    out = StringIO()
    call_command(
        "search_bench", "--backend", "elasticsearch", "--queries", "4", "--matches", "3", stdout=out
    )
    result = json.loads(out.getvalue())
    assert result["backend"] == "elasticsearch" and result["documents"] == 6
    for part in ("search", "search_with_facets", "match"):
        figures = result[part]
        assert figures["n"] in (3, 4)
        assert 0 <= figures["es_took_p50_ms"] <= figures["es_took_p95_ms"] <= figures["p95_ms"]
    assert len(result["load_average"]) == 3


def test_a_rebuild_takes_unchanged_streams_from_the_database_index_and_analyses_the_rest(
    elasticsearch_backend,
):
    from marketplace.models import Achievement
    from search.backends import get_backend
    from search.models import SearchEntry

    org = factories.organisation()
    kept = factories.achievement(org, title="石墨烯导热膜的连续化制备")
    edited = factories.achievement(org, title="钙钛矿太阳能电池")
    get_backend("database").rebuild()
    # A mark in the stored words shows the rebuild read them rather than analysing again.
    SearchEntry.objects.filter(object_id=kept.pk).update(words="石墨烯 xyzzy")
    # Changed without the index hearing of it: the stored streams are stale.
    Achievement.objects.filter(pk=edited.pk).update(title="固态电解质薄膜")

    assert elasticsearch_backend.rebuild() == 2
    assert _keys(service.search("xyzzy")) == [("achievement", kept.pk)]
    assert _keys(service.search("固态电解质")) == [("achievement", edited.pk)]
    old_title = service.search("钙钛矿")
    assert old_title.backend == "elasticsearch" and old_title.count == 0
