"""检索词典: bureau staff add words the segmenter keeps whole (spec §5), in the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from wagtail.models import Page, Site

from cms.models import NewsIndexPage
from search import analysis, service, staff_words
from search.indexing import analysed, analysed_rows
from search.models import DictionaryWord, SearchEntry
from tests import factories
from tests.cms.conftest import news, publish
from tests.marketplace.test_review_admin import _login, _person, _refused

pytestmark = pytest.mark.django_db

WORD = "光伏储氢一体机"  # cut into 光伏 / 储氢 / 一体机 by the built-in dictionary
TEXT = "新型光伏储氢一体机的能量管理方法，适用于园区微电网。"


@pytest.fixture
def news_index():
    home = Site.objects.get(is_default_site=True).root_page.specific
    return publish(home, NewsIndexPage(title="资讯", slug="news", summary="平台动态"))


def _entry_words(listing) -> list[str]:
    entry = SearchEntry.objects.get(doc_type="achievement", object_id=listing.pk)
    return entry.words.split()


def _listing(personas, captured, title, summary):
    with captured(execute=True):  # indexed after the commit, as on the site
        return factories.achievement(personas.organisation, title=title, summary=summary)


def _add_in_admin(client, personas, captured, word=WORD, **extra):
    client.force_login(personas.staff)
    with captured(execute=True):
        return client.post(
            reverse("search_dictionary:add"), {"word": word, "frequency": "", "note": "", **extra}
        )


def test_staff_add_a_word_and_listings_and_queries_keep_it_whole(
    client, personas, django_capture_on_commit_callbacks
):
    listing = _listing(personas, django_capture_on_commit_callbacks, "园区能源系统", TEXT)
    assert WORD not in _entry_words(listing)  # indexed with the built-in dictionary

    response = _add_in_admin(client, personas, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert DictionaryWord.objects.filter(word=WORD).exists()
    assert analysis.query_words(WORD) == [WORD]  # this process uses it at once
    assert WORD in _entry_words(listing)  # the listing holding it was indexed again
    result = service.search(WORD)
    assert [h.id for h in result.hits] == [listing.pk]
    assert f"<mark>{WORD}</mark>" in result.hits[0].highlight  # one word, one mark


def test_the_admin_says_that_what_contains_the_word_is_indexed_again(
    client, personas, django_capture_on_commit_callbacks
):
    client.force_login(personas.staff)
    assert client.get(reverse("search_dictionary:index")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("search_dictionary:add"),
            {"word": WORD, "frequency": "", "note": "储能项目常用"},
            follow=True,
        )
    page = response.content.decode()
    assert "重新索引" in page and WORD in page


def test_deleting_a_word_cuts_listings_as_before(
    client, personas, django_capture_on_commit_callbacks
):
    listing = _listing(personas, django_capture_on_commit_callbacks, "园区能源系统", TEXT)
    _add_in_admin(client, personas, django_capture_on_commit_callbacks)
    word = DictionaryWord.objects.get(word=WORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("search_dictionary:delete", args=[word.pk]))
    assert response.status_code == 302
    assert analysis.query_words(WORD) == ["光伏", "储氢", "一体机"]
    assert WORD not in _entry_words(listing)


def test_renaming_a_word_indexes_listings_with_the_old_and_the_new_spelling(
    client, personas, django_capture_on_commit_callbacks
):
    old = _listing(personas, django_capture_on_commit_callbacks, "园区能源系统", TEXT)
    new = _listing(
        personas, django_capture_on_commit_callbacks, "制氢装置", "风光制氢一体机的控制。"
    )
    _add_in_admin(client, personas, django_capture_on_commit_callbacks)
    word = DictionaryWord.objects.get(word=WORD)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("search_dictionary:edit", args=[word.pk]),
            {"word": "风光制氢一体机", "frequency": "", "note": ""},
        )
    assert WORD not in _entry_words(old)
    assert "风光制氢一体机" in _entry_words(new)


def test_a_page_holding_the_word_is_found_by_it(
    client, personas, news_index, django_capture_on_commit_callbacks
):
    news(news_index, title="储能示范项目投运", body=f"<p>{TEXT}</p>")
    _add_in_admin(client, personas, django_capture_on_commit_callbacks)
    found = Page.objects.live().search(analysis.join(analysis.query_words(WORD)))
    assert [p.title for p in found] == ["储能示范项目投运"]


def test_another_process_picks_up_a_word_within_the_check_interval(client, monkeypatch):
    DictionaryWord.objects.bulk_create([DictionaryWord(word=WORD)])  # no signals: "elsewhere"
    staff_words.refresh(force=True)
    assert analysis.query_words(WORD) == [WORD]

    DictionaryWord.objects.all().delete()  # deleted elsewhere: not seen before the interval
    DictionaryWord.objects.bulk_create([DictionaryWord(word="风光制氢一体机")])
    assert staff_words.refresh() is False
    monkeypatch.setattr(staff_words, "CHECK_SECONDS", 0)
    monkeypatch.setattr(staff_words, "_checked_at", float("-inf"))
    client.get("/")  # any request checks
    assert analysis.query_words(WORD) == ["光伏", "储氢", "一体机"]
    assert analysis.query_words("风光制氢一体机") == ["风光制氢一体机"]


def test_forked_analysis_workers_use_the_staff_words():
    DictionaryWord.objects.bulk_create([DictionaryWord(word=WORD)])
    staff_words.refresh(force=True)
    docs = [{"title": f"标题{i}", "text": TEXT} for i in range(6)]
    parallel = [streams for _doc, streams, _ in analysed_rows(docs, workers=2)]
    assert parallel == [analysed(d["title"], d["text"]) for d in docs]
    assert all(WORD in streams["words"].split() for streams in parallel)


def test_a_word_is_stored_as_the_analysis_reads_text():
    word = DictionaryWord(word="鈣鈦礦ＰＶ疊層")
    word.full_clean()
    assert word.word == "钙钛矿pv叠层"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写词语"),
        ("光伏 储氢", "不能有空格"),
        ("氢", "至少要有两个字"),
        ("光伏！储氢", "只能由汉字、字母、数字"),
        ("一种", "停用词"),
        ("光" * 31, "不超过 30 字符"),
    ],
)
def test_a_word_that_cannot_be_one_is_refused_with_the_reason(client, personas, raw, message):
    client.force_login(personas.staff)
    response = client.post(
        reverse("search_dictionary:add"), {"word": raw, "frequency": "", "note": ""}
    )
    assert response.status_code == 200  # the form again, with the reason
    assert message in response.content.decode()
    assert not DictionaryWord.objects.exists()


def test_the_same_word_in_another_script_or_width_is_a_duplicate(client, personas):
    DictionaryWord.objects.create(word="钙钛矿叠层")
    client.force_login(personas.staff)
    response = client.post(
        reverse("search_dictionary:add"), {"word": "鈣鈦礦疊層", "frequency": "", "note": ""}
    )
    assert response.status_code == 200
    assert "词典中已有这个词" in response.content.decode()
    assert DictionaryWord.objects.count() == 1


def test_the_reasons_are_translated():
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            staff_words.clean_word("光伏 储氢")
        assert refused.value.messages == [
            "A word cannot contain a space; add several words one by one."
        ]


@pytest.mark.parametrize("who", ["owner", "outsider", "anonymous", "editor"])
def test_only_bureau_staff_edit_the_dictionary(client, personas, who):
    _login(client, _person(personas, who))
    listing = client.get(reverse("search_dictionary:index"))
    response = client.post(reverse("search_dictionary:add"), {"word": WORD})
    assert _refused(listing, who) and _refused(response, who)
    assert not DictionaryWord.objects.exists()


def test_the_menu_shows_the_dictionary_to_bureau_staff_only(client, personas):
    client.force_login(personas.staff)
    assert (
        reverse("search_dictionary:index")
        in client.get(reverse("wagtailadmin_home")).content.decode()
    )
    _login(client, _person(personas, "editor"))
    assert (
        reverse("search_dictionary:index")
        not in client.get(reverse("wagtailadmin_home")).content.decode()
    )


# --- many words at once -------------------------------------------------------------------
def test_staff_paste_many_words_and_each_is_added_once(
    client, personas, django_capture_on_commit_callbacks
):
    listing = _listing(personas, django_capture_on_commit_callbacks, "园区能源系统", TEXT)
    DictionaryWord.objects.create(word="钙钛矿叠层")
    client.force_login(personas.staff)
    assert client.get(reverse("search_dictionary:bulk_add")).status_code == 200
    pasted = f"{WORD}\n\n鈣鈦礦疊層\n风光制氢一体机 5000\n{WORD}\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("search_dictionary:bulk_add"), {"words": pasted}, follow=True
        )
    assert sorted(DictionaryWord.objects.values_list("word", "frequency")) == [
        (WORD, None),
        ("钙钛矿叠层", None),
        ("风光制氢一体机", 5000),
    ]
    assert "已添加 2 个词，1 个已在词典中" in response.content.decode()
    assert analysis.query_words("风光制氢一体机") == ["风光制氢一体机"]
    assert WORD in _entry_words(listing)  # re-indexed once for all the new words


def test_a_paste_with_a_bad_line_adds_nothing_and_keeps_the_text(client, personas):
    client.force_login(personas.staff)
    pasted = f"{WORD}\n光伏 储氢 一体机\n一种\n"
    response = client.post(reverse("search_dictionary:bulk_add"), {"words": pasted})
    page = response.content.decode()
    assert response.status_code == 200
    assert "第 2 行“光伏 储氢 一体机”：一行写一个词" in page
    assert "第 3 行“一种”：" in page and "停用词" in page
    assert WORD in page  # what was pasted is still in the box
    assert not DictionaryWord.objects.exists()


def test_only_bureau_staff_paste_words(client, personas):
    _login(client, _person(personas, "editor"))
    response = client.post(reverse("search_dictionary:bulk_add"), {"words": WORD})
    assert _refused(response, "editor")
    assert not DictionaryWord.objects.exists()
    client.force_login(personas.staff)
    index = client.get(reverse("search_dictionary:index")).content.decode()
    assert reverse("search_dictionary:bulk_add") in index


def test_editing_only_the_note_indexes_nothing_again(
    client, personas, django_capture_on_commit_callbacks, monkeypatch
):
    _add_in_admin(client, personas, django_capture_on_commit_callbacks)
    word = DictionaryWord.objects.get(word=WORD)
    reindexed = []
    monkeypatch.setattr(staff_words, "_enqueue_reindex", reindexed.append)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("search_dictionary:edit", args=[word.pk]),
            {"word": WORD, "frequency": "", "note": "来自储能企业的建议"},
        )
        client.post(
            reverse("search_dictionary:edit", args=[word.pk]),
            {"word": WORD, "frequency": "8000", "note": "来自储能企业的建议"},
        )
    assert reindexed == [[WORD]]  # the frequency changes how text is cut; the note does not


def test_a_word_saved_while_the_broker_is_down_is_caught_up_by_the_reconcile_task(
    client, personas, django_capture_on_commit_callbacks, caplog
):
    from config.celery import app as celery_app
    from search.models import DictionaryReindex
    from search.tasks import reconcile_index
    from tests.search.test_reconcile import _forget_broker_connections

    listing = _listing(personas, django_capture_on_commit_callbacks, "园区能源系统", TEXT)
    url, eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = "redis://127.0.0.1:9/0", False
    _forget_broker_connections()
    try:
        response = _add_in_admin(client, personas, django_capture_on_commit_callbacks)
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = url, eager
        _forget_broker_connections()
    assert response.status_code == 302  # the save stood
    assert analysis.query_words(WORD) == [WORD]  # and the word is used at once
    assert "Could not enqueue re-indexing" in caplog.text
    assert WORD not in _entry_words(listing)  # but the listing was not indexed again
    assert list(DictionaryReindex.objects.values_list("word", flat=True)) == [WORD]

    report = reconcile_index()  # the periodic task, with the broker back
    assert report["dictionary"] == 1
    assert WORD in _entry_words(listing)
    assert not DictionaryReindex.objects.exists()
    assert reconcile_index()["dictionary"] == 0
