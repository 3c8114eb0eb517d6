"""Search features against the real Elasticsearch 9: facets, highlights, fallback grams,
alias swaps, and the same ranking as the database backend (CI runs it; no mocks)."""

import copy
import json
from decimal import Decimal

import pytest

from marketplace.models import CooperationMode
from search import service
from search.backends import SearchUnavailable, elastic, get_backend
from search.tasks import index_objects
from tests import factories
from tests.search.test_facet_bands import banded_market, check_band_facets

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db]


def _ids(result):
    return [h.id for h in result.hits]


@pytest.fixture
def corpus():
    uni = factories.organisation()
    company = factories.organisation(kind="enterprise")
    licence = CooperationMode.objects.order_by("id").first()
    items = {
        "film": factories.achievement(
            uni, title="石墨烯导热膜的连续化制备", summary="高导热石墨烯薄膜，卷对卷生产。"
        ),
        "composite": factories.achievement(
            uni, title="高导热复合薄膜", summary="以石墨烯为填料的聚合物薄膜，用于手机散热。"
        ),
        "robot": factories.achievement(company, title="工业机器人视觉定位系统"),
        "rice": factories.achievement(uni, title="水稻抗倒伏栽培技术", summary="提高水稻产量。"),
        "need": factories.need(company, title="机器人焊接工艺改进"),
    }
    items["robot"].cooperation_modes.add(licence)
    return items, licence


def test_words_rank_a_title_match_first_with_a_highlight(elasticsearch_backend, corpus):
    items, _ = corpus
    elasticsearch_backend.rebuild()
    result = service.search("石墨烯")
    assert result.backend == "elasticsearch"
    assert _ids(result) == [items["film"].pk, items["composite"].pk]
    assert result.count == 2
    assert "<mark>石墨烯</mark>" in result.hits[0].highlight


def test_single_characters_find_what_the_segmenter_cut_differently(elasticsearch_backend, corpus):
    items, _ = corpus
    elasticsearch_backend.rebuild()
    assert _ids(service.search("墨烯"))[0] == items["film"].pk
    assert _ids(service.search("栽培")) == [items["rice"].pk]
    assert service.search("量子").count == 0


def test_a_character_of_two_query_words_counts_once_toward_the_share_of_grams(
    elasticsearch_backend,
):
    org = factories.organisation()
    # 电池 电机: five distinct grams (电 池 电池 机 电机), three needed without a query word.
    three = factories.achievement(org, title="池边电动机组", summary="水泵改造。")
    factories.achievement(org, title="池塘供电方案", summary="水泵改造。")  # only 电 and 池
    elasticsearch_backend.rebuild()
    result = service.search("电池 电机")
    assert _ids(result) == [three.pk]
    assert result.count == 1


def test_facets_filters_and_sorting(elasticsearch_backend, corpus):
    items, licence = corpus
    elasticsearch_backend.rebuild()
    result = service.search("机器人", facets=True)
    assert result.count == 2
    assert result.facets["type"] == {"achievement": 1, "need": 1}
    assert result.facets["organisation_kind"] == {"enterprise": 2}
    assert result.facets["cooperation_modes"] == {licence.name: 1}
    assert _ids(service.search("机器人", type_filter="need")) == [items["need"].pk]
    by_mode = service.search("机器人", filters={"cooperation_modes": licence.name})
    assert _ids(by_mode) == [items["robot"].pk]
    everything = service.search("", type_filter="achievement", sort="newest")
    assert everything.count == 4


def test_both_backends_rank_alike(elasticsearch_backend, corpus):
    elasticsearch_backend.rebuild()
    database = get_backend("database")
    database.rebuild()
    for q in ("石墨烯 薄膜", "导热", "机器人", "墨烯", "水稻产量"):
        es = elasticsearch_backend.search(q, types=["achievement", "need"], page=1, page_size=10)
        db = database.search(q, types=["achievement", "need"], page=1, page_size=10)
        assert [(h.type, h.id) for h in es.hits] == [(h.type, h.id) for h in db.hits], q
        assert es.count == db.count, q


def test_a_rebuild_never_leaves_a_moment_without_results(
    elasticsearch_backend, corpus, monkeypatch
):
    items, _ = corpus
    index_objects(
        "achievement", [i.pk for i in items.values() if i.__class__.__name__ == "Achievement"]
    )
    seen: list[list[int]] = []
    swap = elasticsearch_backend._swap_alias

    def observed_swap(type_name, new_index):
        seen.append(_ids(service.search("石墨烯", type_filter="achievement")))  # just before
        swap(type_name, new_index)
        seen.append(_ids(service.search("石墨烯", type_filter="achievement")))  # just after

    monkeypatch.setattr(elasticsearch_backend, "_swap_alias", observed_swap)
    before = set(
        elasticsearch_backend.client.indices.get_alias(
            name=elasticsearch_backend.alias("achievement")
        )
    )
    elasticsearch_backend.rebuild()
    after = set(
        elasticsearch_backend.client.indices.get_alias(
            name=elasticsearch_backend.alias("achievement")
        )
    )
    expected = [items["film"].pk, items["composite"].pk]
    assert seen and all(ids == expected for ids in seen)
    assert before.isdisjoint(after)


def test_search_eval_on_elasticsearch_matches_the_database_and_cleans_up(
    elasticsearch_backend, tmp_path
):
    from tests.search.test_search_eval import CORPUS, QRELS, QUERIES, run_eval

    (tmp_path / "corpus.jsonl").write_text(
        "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in CORPUS), encoding="utf-8"
    )
    (tmp_path / "queries.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in QUERIES), encoding="utf-8"
    )
    (tmp_path / "qrels.tsv").write_text("".join(f"{q}\t{d}\t{g}\n" for q, d, g in QRELS))
    client = elasticsearch_backend.client
    indices_before = set(client.indices.get(index="*", expand_wildcards="open"))

    es = run_eval(tmp_path, "--backend", "elasticsearch", corpus_name="corpus.jsonl")
    db = run_eval(tmp_path, "--backend", "database", corpus_name="corpus.jsonl")

    for metric in ("MRR@10", "Recall@10", "nDCG@10", "queries"):
        assert es[metric] == db[metric], metric
    assert set(client.indices.get(index="*", expand_wildcards="open")) == indices_before


def test_trl_and_price_bands_on_elasticsearch(elasticsearch_backend, client):
    market = banded_market()
    elasticsearch_backend.rebuild()
    check_band_facets("elasticsearch", market, client)


def test_an_index_made_before_the_band_fields_gets_them_on_the_next_write(elasticsearch_backend):
    """Written to before a rebuild, the band fields must be keywords, not dynamic text."""
    old = copy.deepcopy(elastic.MAPPING)
    del old["properties"]["trl_band"], old["properties"]["price_band"]
    alias = elasticsearch_backend.alias("achievement")
    es = elasticsearch_backend.client
    es.indices.create(index=f"{alias}-old", mappings=old, settings=elastic.INDEX_SETTINGS)
    es.indices.put_alias(index=f"{alias}-old", name=alias)
    elastic._MAPPED.discard((elasticsearch_backend.url, alias))
    item = factories.achievement(
        factories.organisation(), title="压力传感器小试", trl=5, price=Decimal("300000")
    )
    index_objects("achievement", [item.pk])
    fields = es.indices.get_mapping(index=alias)[f"{alias}-old"]["mappings"]["properties"]
    assert fields["trl_band"] == fields["price_band"] == {"type": "keyword"}
    result = service.search("传感器", type_filter="achievement", facets=True)
    assert result.facets["trl_band"] == {"4-5": 1}
    assert result.facets["price_band"] == {"10-50": 1}


def _keys(result) -> list[tuple[str, int]]:
    return [(h.type, h.id) for h in result.hits]


def _text_tokens(backend, type_name: str, text: str) -> list[str]:
    alias = backend.alias(type_name)
    answer = backend.client.indices.analyze(index=alias, field="text", text=text)
    return [t["token"] for t in answer["tokens"]]


def test_the_original_text_s_analyzer_is_a_setting_and_the_ranking_does_not_depend_on_it(
    elasticsearch_backend, settings
):
    org = factories.organisation()
    item = factories.achievement(org, title="锂电池 正极材料")
    elasticsearch_backend.rebuild()
    assert _text_tokens(elasticsearch_backend, "achievement", "锂电池 正极") == list("锂电池正极")
    before = _keys(service.search("锂电池"))

    # A plugin's analyzer (smartcn) where the cluster has one; whitespace is in every cluster.
    settings.SEARCH_TEXT_ANALYZER = "whitespace"
    elasticsearch_backend.rebuild()
    assert _text_tokens(elasticsearch_backend, "achievement", "锂电池 正极") == ["锂电池", "正极"]
    assert _keys(service.search("锂电池")) == before == [("achievement", item.pk)]

    # An index built with the other analyzer still takes writes (its text fields keep theirs).
    settings.SEARCH_TEXT_ANALYZER = "standard"
    elastic._MAPPED.clear()
    newer = factories.achievement(org, title="锂电池隔膜")
    index_objects("achievement", [newer.pk])
    assert set(_keys(service.search("锂电池"))) == {
        ("achievement", item.pk),
        ("achievement", newer.pk),
    }


def test_an_analyzer_the_cluster_lacks_fails_the_rebuild_and_leaves_the_live_index(
    elasticsearch_backend, settings
):
    item = factories.achievement(factories.organisation(), title="锂电池正极材料")
    elasticsearch_backend.rebuild()
    settings.SEARCH_TEXT_ANALYZER = "no_such_plugin_analyzer"
    with pytest.raises(SearchUnavailable, match="no_such_plugin_analyzer"):
        elasticsearch_backend.rebuild()
    assert _keys(service.search("锂电池")) == [("achievement", item.pk)]


def test_control_characters_and_a_pasted_paragraph_are_searched_not_errors(
    elasticsearch_backend, corpus
):
    items, _ = corpus
    elasticsearch_backend.rebuild()
    assert set(_ids(service.search("石墨烯\x00薄膜"))) == {items["film"].pk, items["composite"].pk}
    # 600 characters, nearly every bigram distinct: searched by its first 200, and says so.
    paragraph = "石墨烯导热膜" + "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(600))
    result = service.search(paragraph, filters={"region": "\x00"})
    assert result.backend == "elasticsearch"
    assert result.hits[0].id == items["film"].pk
    assert result.notice == "关键词过长，只按前 200 个字符检索。"


def test_a_page_past_the_result_window_stays_on_elasticsearch(elasticsearch_backend, corpus):
    elasticsearch_backend.rebuild()
    result = service.search("石墨烯", page=501, page_size=20)  # from 10,000: refused by ES
    assert (result.backend, result.count, result.hits, result.notice) == (
        "elasticsearch",
        2,
        [],
        "",
    )
