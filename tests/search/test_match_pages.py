"""Matches on detail pages and in /api/v1/…/matches; dismissing a match (spec §5, §10)."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.models import ListingStatus
from search.backends import get_backend
from search.models import MatchDismissal
from tests import factories
from tests.marketplace import helpers
from tests.search.test_match_explanations import _unrelated

pytestmark = pytest.mark.django_db

NEEDS = [
    ("锂电池正极材料循环寿命提升", "三元锂电池正极材料循环寿命不足。"),
    ("锂电池正极材料压实密度提升", "磷酸铁锂正极材料压实密度偏低。"),
    ("锂电池正极材料低成本制备", "希望降低高镍正极材料的制备成本。"),
]


@pytest.fixture
def listing(personas):
    """The owner's published achievement and three companies' needs it answers."""
    achievement = helpers.achievement(
        personas.organisation,
        title="高镍三元正极材料及其制备方法",
        summary="一种锂电池高镍三元正极材料，循环寿命提升30%，压实密度高，成本低。",
        price=Decimal("800000"),
    )
    needs = [
        helpers.need(factories.organisation(kind="enterprise"), title=t, description=d)
        for t, d in NEEDS
    ]
    _unrelated(factories.organisation())
    get_backend("database").rebuild()
    return achievement, needs


def _api(client, listing, **params):
    return client.get(f"/api/v1/achievements/{listing.pk}/matches", params)


def _dismiss(client, achievement, need):
    return client.post(
        f"/matches/achievement/{achievement.pk}/dismiss/",
        {"target_type": "need", "target_id": need.pk},
    )


def test_the_api_answers_ranked_matches_with_their_explanation(client, listing):
    achievement, needs = listing
    response = _api(client, achievement)
    assert response.status_code == 200
    data = response.json()
    assert data["source"]["id"] == achievement.pk and data["source"]["type"] == "achievement"
    assert data["source"]["url"].endswith(f"/achievements/{achievement.pk}/")
    assert {r["id"] for r in data["results"]} == {n.pk for n in needs}
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)
    first = data["results"][0]
    assert set(first) == {"id", "type", "title", "url", "score", "explanation"}
    assert first["type"] == "need" and first["url"].endswith(f"/needs/{first['id']}/")
    assert [e["factor"] for e in first["explanation"]] == [
        "terms",
        "field",
        "trl",
        "price",
        "modes",
        "region",
    ]
    assert all(set(e) == {"factor", "label", "detail", "weight"} for e in first["explanation"])
    assert first["explanation"][0]["label"] == "共同关键词"
    assert "正极" in first["explanation"][0]["detail"]
    assert len(_api(client, achievement, limit=1).json()["results"]) == 1


def test_a_need_has_its_own_matches_endpoint(client, listing):
    achievement, needs = listing
    data = client.get(f"/api/v1/needs/{needs[0].pk}/matches").json()
    assert [r["id"] for r in data["results"]] == [achievement.pk]
    assert data["results"][0]["type"] == "achievement"


def test_unknown_and_unpublished_sources_answer_404_unless_the_viewer_may_see_them(
    client, personas, listing
):
    achievement, _needs = listing
    assert client.get("/api/v1/achievements/999999/matches").status_code == 404
    assert client.get("/api/v1/needs/999999/matches").status_code == 404
    draft = helpers.achievement(
        personas.organisation, title="锂电池正极材料（草稿）", status=ListingStatus.DRAFT
    )
    assert _api(client, draft).status_code == 404  # anonymous
    client.force_login(personas.outsider)
    assert _api(client, draft).status_code == 404
    for person in (personas.owner, personas.colleague, personas.staff):
        client.force_login(person)
        assert _api(client, draft).status_code == 200, person


def test_the_detail_page_shows_matches_with_explanations(client, listing):
    achievement, needs = listing
    page = client.get(f"/achievements/{achievement.pk}/").content.decode()
    assert 'id="matches"' in page and "匹配的" in page
    for need in needs:
        assert f"/needs/{need.pk}/" in page
    assert "共同关键词" in page and "为什么推荐" in page
    assert "不再推荐" not in page  # only the owner's organisation may dismiss
    need_page = client.get(f"/needs/{needs[0].pk}/").content.decode()
    assert f"/achievements/{achievement.pk}/" in need_page


@pytest.mark.parametrize("who", ["owner", "colleague"])
def test_the_owners_organisation_dismisses_a_match_and_it_is_gone_for_good(
    client, personas, listing, who
):
    achievement, needs = listing
    client.force_login(getattr(personas, who))
    page = client.get(f"/achievements/{achievement.pk}/").content.decode()
    assert "不再推荐" in page
    response = _dismiss(client, achievement, needs[0])
    assert response.status_code == 302
    assert response["Location"].endswith(f"/achievements/{achievement.pk}/#matches")
    dismissal = MatchDismissal.objects.get()
    assert dismissal.dismissed_by == getattr(personas, who)

    for viewer in (personas.owner, personas.outsider, None):  # gone for everyone
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        page = client.get(f"/achievements/{achievement.pk}/").content.decode()
        assert f"/needs/{needs[0].pk}/" not in page
        assert f"/needs/{needs[1].pk}/" in page
        ids = {r["id"] for r in _api(client, achievement).json()["results"]}
        assert ids == {needs[1].pk, needs[2].pk}

    client.force_login(personas.owner)
    _dismiss(client, achievement, needs[0])  # twice: nothing new
    assert MatchDismissal.objects.count() == 1


def test_outsiders_staff_and_anonymous_visitors_cannot_dismiss(client, personas, listing):
    achievement, needs = listing
    assert _dismiss(client, achievement, needs[0]).status_code == 302  # to the login page
    for person in (personas.outsider, personas.staff):
        client.force_login(person)
        assert _dismiss(client, achievement, needs[0]).status_code == 403
    assert not MatchDismissal.objects.exists()
    client.force_login(personas.owner)
    assert (
        client.get(f"/matches/achievement/{achievement.pk}/dismiss/").status_code == 405
    )  # a write is a POST (with its CSRF token)
    data = _api(client, achievement).json()
    assert needs[0].pk in {r["id"] for r in data["results"]}


def test_dismissing_needs_a_csrf_token(personas, listing):
    from django.test import Client

    achievement, needs = listing
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.owner)
    assert _dismiss(client, achievement, needs[0]).status_code == 403
    assert not MatchDismissal.objects.exists()


def test_a_detail_page_costs_the_same_number_of_queries_however_many_matches(client, listing):
    """Listing rows are loaded per type, not per match. (The search backend's own statements,
    on its index tables, depend on the words of the text, not on the number of matches.)"""
    index_tables = ("search_entry", "search_segment", "search_posting", "search_removed")
    achievement, _needs = listing

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/achievements/{achievement.pk}/").content.decode()
        shown = page.count('class="card match"')
        return shown, sum(
            not any(t in q["sql"] for t in index_tables) for q in queries.captured_queries
        )

    count()  # warm the content-type cache
    few = count()
    for topic in ("循环寿命", "压实密度", "成本", "高镍", "三元", "制备方法"):
        helpers.need(
            factories.organisation(kind="enterprise"),
            title=f"正极材料{topic}",
            description=f"锂电池正极材料的{topic}问题。",
        )
    for _ in range(2):  # keep the shared words in fewer than half the documents
        _unrelated(factories.organisation())
    get_backend("database").rebuild()
    cache.clear()  # the text ranking of a listing is cached for a few minutes
    many = count()
    assert (few[0], many[0]) == (3, 9)
    assert many[1] == few[1]
