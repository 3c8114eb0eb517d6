"""What a search box receives is not always what a keyboard types: control characters,
stray quotes and whole pasted paragraphs are searched (or cut), never a server error."""

import random

import pytest

from lib import text
from search import service
from search.backends import get_backend
from search.models import SavedSearch

pytestmark = pytest.mark.django_db


@pytest.fixture
def film(indexed):
    return indexed[0]


def _paragraph(length: int, seed: int = 3) -> str:
    """Common CJK characters in random order: nearly every bigram distinct, the worst case."""
    rng = random.Random(seed)
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(length))


def test_clean_drops_control_characters_and_keeps_what_people_write():
    assert text.clean(" 石墨烯\x00薄膜\x1b\x7f\x85 ") == "石墨烯 薄膜"
    assert text.clean("Ｃ＋＋ “引号” 𠀀 ☃") == "Ｃ＋＋ “引号” 𠀀 ☃"
    assert text.clean(None) == ""
    long = "传感器" * 100
    assert text.query_text(long) == (long[: text.MAX_QUERY_LENGTH], True)
    assert text.query_text("传感器") == ("传感器", False)


@pytest.mark.parametrize("q", ["\x00", "石墨烯\x00", '"', 'a"', "石墨烯\"'(*)"])
def test_odd_characters_are_searched_or_ignored_never_an_error(client, film, q):
    page = client.get("/search/", {"q": q})
    assert page.status_code == 200
    api = client.get("/api/v1/search", {"q": q, "type": "achievement"})
    assert api.status_code == 200
    if "石墨烯" in q:
        assert "<mark>石墨烯</mark>" in page.content.decode()
        assert [hit["id"] for hit in api.json()["results"]] == [film.pk]


def test_a_pasted_paragraph_is_searched_by_its_first_characters_and_the_page_says_so(client, film):
    q = "石墨烯" + _paragraph(600)
    page = client.get("/search/", {"q": q})
    assert page.status_code == 200
    html = page.content.decode()
    assert "关键词过长，只按前 200 个字符检索。" in html
    assert "石墨烯导热膜的连续化制备" in html
    data = client.get("/api/v1/search", {"q": q}).json()
    assert data["notice"] == "关键词过长，只按前 200 个字符检索。"
    assert data["results"][0]["id"] == film.pk
    assert "关键词过长" not in client.get("/search/", {"q": "石墨烯"}).content.decode()


def test_the_database_backend_ranks_a_query_of_more_clauses_than_sqlite_unions_at_once(film):
    # 1,000 characters: about 4,000 clauses (word, title word, character, bigram),
    # eight times SQLite's limit of 500 terms in one compound SELECT.
    result = get_backend("database").search(
        "石墨烯" + _paragraph(1000), types=["achievement"], page=1, page_size=5
    )
    assert result.hits[0].id == film.pk


def test_control_characters_in_facet_filters_are_dropped(film):
    result = service.search("石墨烯", filters={"region": "\x00", "organisation_kind": "x\x00"})
    assert result.count == 0  # "x" is no kind of organisation; nothing errored
    blank_filter = service.search("石墨烯", filters={"region": "\x00"})
    assert blank_filter.count == service.search("石墨烯").count == 2  # as if no filter


def test_the_challenge_list_and_a_saved_search_take_a_control_character(client, personas):
    assert client.get("/challenges/", {"q": "榜\x00"}).status_code == 200
    client.force_login(personas.outsider)
    client.post("/search/saved/new/", {"q": "传感\x00器"})
    assert SavedSearch.objects.get().query == "传感 器"


@pytest.mark.parametrize("page", ["501", "99999999999999999999"])
def test_a_page_past_the_result_window_is_empty_and_keeps_the_count(client, film, page):
    data = client.get("/api/v1/search", {"q": "石墨烯", "page": page}).json()
    assert (data["count"], data["results"], data["notice"]) == (2, [], "")
    html = client.get("/search/", {"q": "石墨烯", "page": page}).content.decode()
    assert "找到 2 条结果" in html and "石墨烯导热膜的连续化制备" not in html
