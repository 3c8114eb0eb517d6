"""Topic similarity re-ranks the first results (search/topics.py): what a searcher sees."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command

from search import evaluation, matching, topics
from search.models import SearchEntry, TopicSpace
from search.tasks import refit_topics
from tests.search.topic_corpus import search_ids, subject_corpus

pytestmark = pytest.mark.django_db


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def test_words_used_together_point_the_same_way(small_topic_models):
    corpus = subject_corpus()
    model = evaluation.corpus_topics(corpus)
    assert model is not None and model.dimensions == 3
    cathode, electrolyte, rice = (model.vector([w]) for w in ("正极", "电解液", "水稻"))
    assert cosine(cathode, electrolyte) > 0.9  # never in the same listing as often as not
    assert abs(cosine(cathode, rice)) < 0.2
    # A listing's vector: the subject of most of its words.
    assert cosine(model.vector(["容量", "锂电池", "正极"]), cathode) > 0.9
    assert model.vector(["没有的词"]) is None
    # Results are turned into vectors together: each as it would be alone, and one
    # without a known word has none, whatever it is batched with.
    texts = [["容量", "锂电池", "没有的词", "正极"], ["没有的词"], ["水稻", "水稻", "产量"]]
    together = model.vectors(texts)
    assert not together[1].any()
    for text, row in zip(texts, together, strict=True):
        alone = model.vector(text)
        assert (alone is None and not row.any()) or np.allclose(row, alone, atol=1e-6)


def test_a_listing_on_the_querys_subject_moves_above_one_that_only_shares_the_word(
    small_topic_models,
):
    corpus = subject_corpus()
    with evaluation.temporary_index("database", corpus) as backend:
        assert backend.topic_source is not None
        reranked = search_ids(backend, corpus, "容量", page_size=30)
        model, backend.topic_source = backend.topic_source, None
        text_only = search_ids(backend, corpus, "容量", page_size=30)
    # By text alone the short rice listing comes first; by subject it falls behind every
    # battery listing that says 容量.
    assert text_only[0] == "rice-capacity"
    assert reranked.index("battery-capacity") < reranked.index("rice-capacity")
    assert all(i.startswith("battery") for i in reranked[: reranked.index("rice-capacity")])
    assert sorted(reranked) == sorted(text_only)  # the same results, in another order
    assert model.documents == len(corpus)


def test_pages_of_a_reranked_search_follow_one_another(small_topic_models):
    corpus = subject_corpus(per_subject=60)  # 30 battery listings say 容量: past the window
    with evaluation.temporary_index("database", corpus) as backend:
        whole = backend.search("容量", types=["achievement"], page=1, page_size=50)
        pages = [search_ids(backend, corpus, "容量", page=p, page_size=7) for p in (1, 2, 3, 4, 5)]
    assert whole.count == 32
    assert [i for page in pages for i in page] == [corpus[h.id - 1]["id"] for h in whole.hits]
    scores = [h.score for h in whole.hits]
    assert scores == sorted(scores, reverse=True)  # across the window's edge too
    assert len(set(scores[: topics.WINDOW])) > 2


def test_the_best_results_say_more_about_the_subject_than_those_that_barely_matched(
    small_topic_models,
):
    from search.backends.base import Ranked

    model = evaluation.corpus_topics(subject_corpus())

    def result(n, score, words):
        return Ranked(type="achievement", id=n, score=score, title="", url="", text="", words=words)

    # The query's words are unknown to the model: its topic comes from its best results
    # alone. The best is about batteries, far ahead; three rice listings barely matched.
    battery, rice = "锂电池 正极 电解液 隔膜", "水稻 育种 种子 灌溉"
    results = [result(1, 10.0, battery)]
    results += [result(n, 2.0, rice) for n in (2, 3, 4)]
    results += [result(5, 1.9, battery), result(6, 1.0, "机器人 焊接 伺服")]

    def order(power=topics.FEEDBACK_POWER):
        ranked = topics.rerank(results, ["没有的词"], model, feedback_power=power)
        return [r.id for r in ranked]

    # Counted by their share of the best score, they leave the subject to the best result.
    assert order()[:2] == [1, 5]
    # Each counted as much as the best, the three rice listings would set the subject.
    assert (unweighted := order(topics.MATCH_FEEDBACK_POWER))[:2] == [1, 2]
    assert unweighted.index(5) > 3  # (so they do in a match list, where the query is long)


def test_without_enough_listings_there_is_no_model_and_the_text_order_stands(monkeypatch):
    monkeypatch.setattr(topics, "DIMENSIONS", 3)
    corpus = subject_corpus()
    assert len(corpus) < topics.MIN_DOCUMENTS
    with evaluation.temporary_index("database", corpus) as backend:
        assert backend.topic_source is None
        assert search_ids(backend, corpus, "容量")[0] == "rice-capacity"


def test_a_match_list_prefers_listings_on_the_descriptions_subject(small_topic_models, monkeypatch):
    corpus = subject_corpus()
    description = "寻求提高容量的技术。"
    rounds: list[int] = []

    def match_ids(backend) -> list[str]:
        rounds.clear()
        ranking = matching.match(backend, description, types=["achievement"], limit=10)
        return [corpus[r.id - 1]["id"] for r in ranking.items]

    with evaluation.temporary_index("database", corpus) as backend:
        rank = backend.rank
        backend.rank = lambda *args, **kwargs: rounds.append(1) or rank(*args, **kwargs)
        reranked = match_ids(backend)
        assert len(rounds) == 1  # the topics of the first matches: no second round
        backend.topic_source = None
        word_feedback = match_ids(backend)
        assert len(rounds) == 2  # without a model: feedback in words, ranked again
        monkeypatch.setattr(matching, "FEEDBACK_DOCS", 0)
        words_only = match_ids(backend)
    # By the description's words alone, the short rice listing that says 容量 comes first;
    # feedback from the first matches (in topics, or else in words) puts it behind the
    # battery listings.
    assert words_only[0] == "rice-capacity"
    assert len(reranked) == 10 and all(i.startswith("battery") for i in reranked)
    assert "rice-capacity" not in word_feedback


def _entries(corpus):
    """The corpus as the site's database index (as if it were the site's listings)."""
    from search.backends.database import DatabaseBackend

    DatabaseBackend().write(
        "achievement",
        (
            {"id": n, "type": "achievement", "title": d["id"], "text": d["text"], "url": ""}
            | {"cooperation_modes": [], "published_at": None}
            for n, d in enumerate(corpus, start=1)
        ),
        remove=[],
    )


def test_the_site_model_is_fitted_from_the_index_stored_and_read_by_other_processes(
    small_topic_models,
):
    _entries(subject_corpus())
    assert refit_topics() == 122
    stored = TopicSpace.objects.get()
    assert (stored.documents, stored.dimensions) == (122, 3)
    fitted = topics.current()
    topics.forget()  # another process: nothing loaded yet
    loaded = topics.current()
    assert loaded is not fitted and loaded.words == fitted.words
    # The same numbers in every process, whichever one fitted it.
    assert np.array_equal(loaded.vector(["正极", "水稻"]), fitted.vector(["正极", "水稻"]))
    # Fitted again: one row, the newest.
    topics.refit()
    assert TopicSpace.objects.count() == 1 and TopicSpace.objects.get().pk != stored.pk


def test_a_site_that_shrank_below_the_minimum_loses_its_model(small_topic_models, monkeypatch):
    _entries(subject_corpus())
    topics.refit()
    SearchEntry.objects.filter(object_id__gt=10).delete()
    assert refit_topics() == 0
    assert not TopicSpace.objects.exists()
    topics.forget()
    assert topics.current() is None


def test_the_search_box_uses_the_site_model_once_it_is_fitted(small_topic_models):
    from search.backends import get_backend

    corpus = subject_corpus()
    _entries(corpus)
    backend = get_backend("database")
    before = [
        h.title for h in backend.search("容量", types=["achievement"], page=1, page_size=5).hits
    ]
    topics.refit()
    after = [
        h.title for h in backend.search("容量", types=["achievement"], page=1, page_size=5).hits
    ]
    assert before[0] == "rice-capacity"
    assert "rice-capacity" not in after


def test_a_rebuild_fits_the_topic_model_and_says_so(small_topic_models, monkeypatch):
    from tests import factories

    monkeypatch.setattr(topics, "MIN_DOCUMENTS", 3)
    monkeypatch.setattr(topics, "MAX_SHARE", 0.5)  # four listings: words in two of them
    monkeypatch.setattr(topics, "DIMENSIONS", 2)
    org = factories.organisation()
    for title in ("锂电池正极材料", "锂电池电解液", "水稻育种", "水稻灌溉"):
        factories.achievement(org, title=title)
    out = io.StringIO()
    call_command("search_index", "--rebuild", stdout=out)
    assert "Topic model: 4 documents" in out.getvalue()
    assert TopicSpace.objects.get().documents == 4
    # Without --rebuild: the backends' health and the model in use.
    out = io.StringIO()
    call_command("search_index", stdout=out)
    assert "Topic model: 4 documents, " in out.getvalue() and "fitted 20" in out.getvalue()
    TopicSpace.objects.all().delete()
    out = io.StringIO()
    call_command("search_index", stdout=out)
    assert "Topic model: none" in out.getvalue()


def test_the_topic_model_is_fitted_again_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["search-refit-topics"]
    assert entry["task"] == "search.tasks.refit_topics"
