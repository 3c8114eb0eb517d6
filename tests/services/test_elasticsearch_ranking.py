"""The search box's grouped scoring on the real Elasticsearch 9: the same order as the database."""

import pytest

from search import service
from search.backends import get_backend
from tests.search.test_phrases import KEYWORDS, PHRASE, wheat_corpus
from tests.search.test_ranking import separator_corpus

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db]


def test_a_listing_covering_every_concept_beats_one_repeating_a_word_on_both_backends(
    elasticsearch_backend,
):
    separator, recycling = separator_corpus()
    elasticsearch_backend.rebuild()
    get_backend("database").rebuild()
    result = service.search("锂离子电池 隔膜")
    assert result.backend == "elasticsearch"
    assert [h.id for h in result.hits][:2] == [separator.pk, recycling.pk]
    database = get_backend("database").search(
        "锂离子电池 隔膜", types=["achievement"], page=1, page_size=10
    )
    assert [h.id for h in database.hits] == [h.id for h in result.hits]


def test_a_query_typed_as_one_phrase_prefers_that_order_on_both_backends(elasticsearch_backend):
    phrase, scattered = wheat_corpus()
    elasticsearch_backend.rebuild()
    get_backend("database").rebuild()
    result = service.search(PHRASE)
    assert result.backend == "elasticsearch"
    assert [h.id for h in result.hits][:2] == [phrase.pk, scattered.pk]
    assert [h.id for h in service.search(KEYWORDS).hits][:2] == [scattered.pk, phrase.pk]
    database = get_backend("database").search(PHRASE, types=["achievement"], page=1, page_size=10)
    assert [h.id for h in database.hits] == [h.id for h in result.hits]
