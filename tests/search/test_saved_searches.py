"""Saving a search from /search/ and managing saved searches (spec §5)."""

import pytest

from search.backends import get_backend
from search.models import SavedSearch
from search.saved import MAX_SAVED_SEARCHES
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def indexed():
    factories.achievement(factories.organisation(), title="柔性压力传感器", summary="可穿戴。")
    get_backend("database").rebuild()


def test_a_signed_in_person_saves_the_search_they_see(client, personas, indexed):
    client.force_login(personas.outsider)
    page = client.get("/search/", {"q": "传感器", "type": "achievement"}).content.decode()
    assert "保存此搜索</button>" in page
    response = client.post(
        "/search/saved/new/",
        {"q": " 传感器 ", "type": "achievement", "organisation_kind": "university", "x": "1"},
        follow=True,
    )
    saved = SavedSearch.objects.get()
    assert (saved.user, saved.query, saved.doc_type) == (personas.outsider, "传感器", "achievement")
    assert saved.filters == {"organisation_kind": "university"}  # unknown fields dropped
    assert saved.last_notified_at is not None
    page = response.content.decode()
    assert "已保存搜索“传感器”" in page
    assert "· 高校" in page and "· university" not in page  # the code stays in the link only
    assert "/search/?q=%E4%BC%A0%E6%84%9F%E5%99%A8&amp;type=achievement" in page

    client.post(
        "/search/saved/new/",
        {"q": "传感器", "type": "achievement", "organisation_kind": "university"},
    )
    assert SavedSearch.objects.count() == 1  # the same search is kept once


def test_anonymous_visitors_are_asked_to_sign_in_and_nothing_is_saved(client, indexed):
    page = client.get("/search/", {"q": "传感器"}).content.decode()
    assert "保存此搜索</button>" not in page and "后可保存此搜索" in page
    response = client.post("/search/saved/new/", {"q": "传感器"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/search/saved/").status_code == 302
    assert not SavedSearch.objects.exists()


def test_a_blank_query_an_unknown_type_and_too_many_searches_are_refused(client, personas):
    client.force_login(personas.owner)
    page = client.post("/search/saved/new/", {"q": "   "}, follow=True).content.decode()
    assert "请输入要保存的关键词。" in page
    page = client.post("/search/saved/new/", {"q": "芯片", "type": "deal"}, follow=True)
    assert "未知的信息类型。" in page.content.decode()
    for n in range(MAX_SAVED_SEARCHES):
        client.post("/search/saved/new/", {"q": f"芯片{n}"})
    page = client.post("/search/saved/new/", {"q": "又一个"}, follow=True).content.decode()
    assert f"最多保存 {MAX_SAVED_SEARCHES} 个搜索" in page
    assert SavedSearch.objects.filter(user=personas.owner).count() == MAX_SAVED_SEARCHES


def test_people_see_and_delete_only_their_own_saved_searches(client, personas):
    mine = SavedSearch.objects.create(user=personas.owner, query="石墨烯")
    theirs = SavedSearch.objects.create(user=personas.outsider, query="机器人")
    client.force_login(personas.owner)
    page = client.get("/search/saved/").content.decode()
    assert "石墨烯" in page and "机器人" not in page
    assert client.post(f"/search/saved/{theirs.pk}/delete/").status_code == 404
    assert client.get(f"/search/saved/{mine.pk}/delete/").status_code == 405
    assert SavedSearch.objects.count() == 2
    client.post(f"/search/saved/{mine.pk}/delete/")
    assert list(SavedSearch.objects.all()) == [theirs]


def test_the_profile_page_leads_to_saved_searches_and_match_alerts(client, personas):
    client.force_login(personas.owner)
    profile = client.get("/accounts/profile/").content.decode()
    section = profile.split('id="search-alerts"', 1)[1].split("</p>", 1)[0]
    assert 'href="/search/saved/"' in section and "我保存的搜索" in section
    assert 'href="/search/alerts/"' in section and "匹配提醒" in section
    assert client.get("/search/saved/").status_code == 200
    assert client.get("/search/alerts/").status_code == 200


def test_saved_searches_name_their_bands_in_a_fixed_number_of_queries(client, personas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas.outsider)

    def page_queries(n: int) -> tuple[int, str]:
        for i in range(SavedSearch.objects.count(), n):
            SavedSearch.objects.create(
                user=personas.outsider, query=f"传感器{i}", filters={"trl_band": "4-5"}
            )
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/search/saved/").content.decode()
        return len(queries), page

    one, page = page_queries(1)
    assert "· 小试（TRL 4–5）" in page
    assert page_queries(4)[0] == one  # the stage names are read once, however many rows
