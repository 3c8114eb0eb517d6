"""A query typed as one phrase prefers listings that say it in that order (search/phrases.py)."""

import pytest

from search import analysis, phrases, service
from search.backends import get_backend
from tests import factories
from tests.search.test_ranking import add_fillers

PHRASE = "冬小麦新品种选育"
KEYWORDS = "冬小麦 新品种 选育"  # the same words, typed as separate keywords


def test_only_a_query_typed_as_one_run_has_word_pairs():
    assert phrases.query_pairs(PHRASE) == [("冬小麦", "新品种"), ("新品种", "选育")]
    assert phrases.query_pairs("  兰天26号 ") == [("兰天", "26"), ("26", "号")]
    assert phrases.query_pairs(KEYWORDS) == []
    assert phrases.query_pairs("锂电池") == []  # one word: no order to speak of
    assert phrases.query_pairs("") == []


def test_a_pair_is_held_side_by_side_and_in_order_with_sub_words_between():
    pairs = phrases.query_pairs(PHRASE)

    def held(text):
        return phrases.held(analysis.join(analysis.words(text)), pairs)

    # Search-mode words put a word's own sub-words just before it: 小麦 冬小麦 品种 新品种 …
    assert held("推广冬小麦新品种选育技术。") == 2
    assert held("新品种，冬小麦，选育。") == 0  # another order
    assert held("冬小麦抗病新品种。") == 0  # a word between
    assert held("小麦新品种选育。") == 1
    assert held("冬小麦") == 0 and phrases.held("", pairs) == 0
    # Ends of the text: the pair at the very start and at the very end.
    assert phrases.held("冬小麦 新品种", pairs) == 1
    assert phrases.held("新品种 选育", pairs) == 1


def wheat_corpus():
    """Two listings with the phrase's words: one says the phrase, the other (shorter, each
    word twice) has them apart and in another order."""
    org = factories.organisation()
    phrase = factories.achievement(
        org,
        title="小麦育种成果",
        summary="冬小麦新品种选育技术，适于黄淮麦区推广种植，产量高，抗病性强，品质优良。",
    )
    scattered = factories.achievement(
        org, title="育种", summary="新品种，冬小麦，选育。新品种，冬小麦。"
    )
    add_fillers(org)
    return phrase, scattered


@pytest.mark.django_db
def test_the_listing_saying_the_phrase_comes_first_and_keywords_keep_the_text_order(
    settings, monkeypatch
):
    settings.SEARCH_BACKEND = "database"
    phrase, scattered = wheat_corpus()
    get_backend("database").rebuild()

    def ids(q):
        return [h.id for h in service.search(q).hits]

    typed_as_phrase = service.search(PHRASE)
    assert [h.id for h in typed_as_phrase.hits][:2] == [phrase.pk, scattered.pk]
    scores = [h.score for h in typed_as_phrase.hits]
    assert scores == sorted(scores, reverse=True)
    # By its words alone the short listing that repeats them scores higher: that is the
    # order of the same words typed as keywords, and of the phrase without the bonus.
    assert ids(KEYWORDS)[:2] == [scattered.pk, phrase.pk]
    monkeypatch.setattr(phrases, "WEIGHT", 0.0)
    assert ids(PHRASE)[:2] == [scattered.pk, phrase.pk]
