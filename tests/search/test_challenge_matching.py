"""Challenges (揭榜挂帅) are searched and matched like needs while they take applications."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.models import Challenge, ChallengeStatus
from search import engine, service
from search.backends import get_backend
from tests import factories
from tests.marketplace import helpers
from tests.search.test_match_explanations import _unrelated

pytestmark = pytest.mark.django_db


def _challenge(org, *, status=ChallengeStatus.PUBLISHED, **extra) -> Challenge:
    values = {
        "organisation": org,
        "title": "高镍正极材料循环寿命攻关",
        "background": "动力电池企业的三元锂电池正极材料循环寿命不足。",
        "research_content": "开发高镍三元正极材料的包覆改性技术，要求通过中试验证。",
        "bounty_enterprise": Decimal("600000"),
        "bounty_subsidy": Decimal("400000"),
        "status": status,
        "published_at": timezone.now() - dt.timedelta(days=1),
        "application_deadline": timezone.now() + dt.timedelta(days=30),
    }
    values.update(extra)
    return Challenge.objects.create(**values)


@pytest.fixture
def market():
    company = factories.organisation(kind="enterprise", region_code="330302")
    uni = factories.organisation(region_code="330302")
    challenge = _challenge(company)
    draft = _challenge(company, title="正极材料包覆（草稿）", status=ChallengeStatus.DRAFT)
    need = helpers.need(
        company, title="锂电池正极材料循环寿命提升", description="三元正极材料循环寿命不足。"
    )
    achievement = helpers.achievement(
        uni,
        title="高镍三元正极材料包覆改性技术",
        summary="锂电池高镍三元正极材料的包覆改性，循环寿命提升30%，已完成中试。",
        trl=7,
        price=Decimal("800000"),
        modes=("commissioned_development", "transfer"),
    )
    _unrelated(uni)
    get_backend("database").rebuild()
    return {"challenge": challenge, "draft": draft, "need": need, "achievement": achievement}


def test_published_challenges_are_found_and_drafts_are_not(client, market):
    data = client.get("/api/v1/search", {"q": "正极材料", "type": "challenge"}).json()
    assert [r["id"] for r in data["results"]] == [market["challenge"].pk]
    assert data["results"][0]["url"].endswith(f"/challenges/{market['challenge'].pk}/")
    assert service.search("包覆", type_filter="challenge").count == 1
    page = client.get("/search/", {"q": "正极材料"}).content.decode()
    assert "揭榜挂帅" in page  # the result's type is named


def test_a_challenge_gets_ranked_achievements_explained_against_its_bounty(market):
    result = engine.matches_for(market["challenge"])
    assert [m.id for m in result.items] == [market["achievement"].pk]
    factors = {f.factor: f.detail for f in result.items[0].factors}
    assert factors["price"] == "成果报价 ¥800,000（80 万元），不超过榜金 ¥1,000,000（100 万元）"
    assert factors["modes"] == "都接受：委托开发"
    assert factors["trl"] == "成果 TRL 7，达到需求期望的“中试”（TRL 6 以上）"


def test_an_achievement_gets_needs_and_challenges(client, market):
    result = engine.matches_for(market["achievement"])
    assert {(m.type, m.id) for m in result.items} == {
        ("challenge", market["challenge"].pk),
        ("need", market["need"].pk),
    }
    page = client.get(f"/achievements/{market['achievement'].pk}/").content.decode()
    assert "匹配的需求与榜单" in page and f"/challenges/{market['challenge'].pk}/" in page


def test_the_challenge_matches_api_follows_the_challenge_access_rules(client, personas, market):
    data = client.get(f"/api/v1/challenges/{market['challenge'].pk}/matches").json()
    assert data["source"]["type"] == "challenge"
    assert [r["id"] for r in data["results"]] == [market["achievement"].pk]
    assert client.get(f"/api/v1/challenges/{market['draft'].pk}/matches").status_code == 404
    client.force_login(personas.staff)
    assert client.get(f"/api/v1/challenges/{market['draft'].pk}/matches").status_code == 200


def test_a_challenge_leaves_the_index_when_applications_close(market):
    challenge = market["challenge"]
    challenge.status = ChallengeStatus.CLOSED
    challenge.save()
    get_backend("database").index("challenge", [challenge.pk])
    assert service.search("包覆", type_filter="challenge").count == 0
    assert all(m.type == "need" for m in engine.matches_for(market["achievement"]).items)
