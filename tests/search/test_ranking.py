"""How the search box ranks: a query word and its characters are one piece of evidence."""

import pytest

from search import query, service
from search.backends import get_backend
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def backend(settings):
    settings.SEARCH_BACKEND = "database"
    return get_backend("database")


def _ids(result):
    return [h.id for h in result.hits]


def test_a_word_and_its_characters_form_one_group_and_a_bigram_across_words_its_own():
    q = query.build_search_query("海水利用 冷却塔")
    groups = {(c.field, c.term): c.group for c in q.clauses}
    assert groups[(query.WORDS, "冷却塔")] == groups[(query.GRAMS, "却塔")]
    assert groups[(query.GRAMS, "冷")] == groups[(query.WORDS, "冷却塔")]
    assert groups[(query.WORDS, "海水")] != groups[(query.WORDS, "冷却塔")]
    across = next(c for c in q.clauses if c.term == "水利")  # 海水|利用: across two words
    inside = next(c for c in q.clauses if c.term == "冷却")
    assert across.group == -1 and across.weight < inside.weight


def separator_corpus():
    """A listing repeating one query word, one covering both concepts in other words."""
    org = factories.organisation()
    # Repeats 锂离子电池, says nothing about separators.
    recycling = factories.achievement(
        org, title="锂离子电池回收", summary="废旧锂离子电池拆解与材料再生。"
    )
    # About separators for lithium batteries, but says 锂电池, never 锂离子电池.
    separator = factories.achievement(org, title="隔膜涂覆", summary="陶瓷涂覆隔膜，用于锂电池。")
    add_fillers(org)
    return separator, recycling


def add_fillers(org):
    """Listings on other subjects, so the query's words are rare (and weigh) in the index."""
    fillers = [
        ("水稻抗倒伏栽培技术", "提高水稻产量。"),
        ("工业机器人视觉定位", "提高效率。"),
        ("高速列车制动", "制动盘材料。"),
        ("太阳能光伏组件", "组件封装。"),
    ]
    for title, summary in fillers:
        factories.achievement(org, title=title, summary=summary)


def test_a_listing_covering_every_concept_in_other_words_beats_one_repeating_a_single_word(
    backend,
):
    separator, recycling = separator_corpus()
    backend.rebuild()
    # Counting the word 锂离子电池 *and* each of its characters again would put
    # the recycling listing first; the separator listing answers both concepts.
    assert _ids(service.search("锂离子电池 隔膜"))[:2] == [separator.pk, recycling.pk]
