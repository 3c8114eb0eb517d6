"""Topic re-ranking (search/topics.py) on the real Elasticsearch 9: the same as on the database."""

import pytest

from search import evaluation, matching
from tests.search.topic_corpus import search_ids, subject_corpus

pytestmark = [pytest.mark.elasticsearch, pytest.mark.django_db]


def test_elasticsearch_results_are_reranked_by_subject_like_the_databases(
    elasticsearch_backend, small_topic_models
):
    corpus = subject_corpus(per_subject=60)
    with evaluation.temporary_index("elasticsearch", corpus) as es:
        reranked = search_ids(es, corpus, "容量", page_size=40)
        pages = [search_ids(es, corpus, "容量", page=p, page_size=9) for p in (1, 2, 3, 4)]
        scores = [
            h.score for h in es.search("容量", types=["achievement"], page=1, page_size=40).hits
        ]
        model, es.topic_source = es.topic_source, None
        text_only = search_ids(es, corpus, "容量", page_size=40)
    with evaluation.temporary_index("database", corpus) as db:
        database = search_ids(db, corpus, "容量", page_size=40)
    assert model is not None
    assert text_only[0] == "rice-capacity"
    assert reranked.index("battery-capacity") < reranked.index("rice-capacity")
    assert all(i.startswith("battery") for i in reranked[: reranked.index("rice-capacity")])
    assert [i for page in pages for i in page] == reranked[:36]
    assert scores == sorted(scores, reverse=True)
    # The same model and the same words: the database puts the two listings the same way.
    assert database.index("battery-capacity") < database.index("rice-capacity")
    assert sorted(database) == sorted(reranked)


def test_elasticsearch_match_lists_are_reranked_by_subject(
    elasticsearch_backend, small_topic_models, monkeypatch
):
    corpus = subject_corpus()
    with evaluation.temporary_index("elasticsearch", corpus) as es:
        reranked = matching.match(es, "寻求提高容量的技术。", types=["achievement"], limit=10)
        es.topic_source = None
        monkeypatch.setattr(matching, "FEEDBACK_DOCS", 0)  # the description's words alone
        words_only = matching.match(es, "寻求提高容量的技术。", types=["achievement"], limit=10)
    assert corpus[words_only.items[0].id - 1]["id"] == "rice-capacity"
    reranked_ids = [corpus[r.id - 1]["id"] for r in reranked.items]
    assert len(reranked_ids) == 10 and all(i.startswith("battery") for i in reranked_ids)
