"""The TRL band and price/budget band facets (spec §5), on the database backend; the
same scenario runs on Elasticsearch in tests/services/test_elasticsearch_search.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.filters import NEGOTIABLE, AchievementFilter, NeedFilter, money_bands
from marketplace.models import Achievement, Need
from search import service
from search.backends import get_backend
from tests import factories

pytestmark = pytest.mark.django_db
WAN = Decimal("10000")


def banded_market() -> dict:
    """Four achievements and two needs about 传感器, with TRLs, prices and budgets."""
    org = factories.organisation()
    company = factories.organisation(kind="enterprise")
    return {
        "lab": factories.achievement(org, title="柔性传感器原型", trl=2, price=8 * WAN),
        "pilot": factories.achievement(org, title="压力传感器小试", trl=5, price=30 * WAN),
        "boundary": factories.achievement(org, title="温度传感器小试", trl=4, price=10 * WAN),
        "open": factories.achievement(org, title="气体传感器量产", trl=9, price=None),
        "range": factories.need(
            company, title="传感器标定需求", budget_min=5 * WAN, budget_max=60 * WAN
        ),
        "vague": factories.need(company, title="传感器选型咨询", budget_min=None, budget_max=None),
    }


def test_bands_follow_the_list_pages_filters():
    assert money_bands(10 * WAN, 10 * WAN) == ["10-50"]  # a boundary belongs above
    assert money_bands(5 * WAN, 60 * WAN) == ["lt10", "10-50", "50-100"]
    assert money_bands(None, 8 * WAN) == ["lt10"]
    assert money_bands(200 * WAN, None) == ["gte100"]
    assert money_bands(None, None) == [NEGOTIABLE]
    market = banded_market()
    for band in ("lt10", "10-50", "50-100", "gte100", NEGOTIABLE):
        achievements = AchievementFilter({"money": band}).apply(Achievement.objects.all())
        assert {a.pk for a in achievements} == {
            a.pk for a in Achievement.objects.all() if band in money_bands(a.price, a.price)
        }, band
        needs = NeedFilter({"money": band}).apply(Need.objects.all())
        assert {n.pk for n in needs} == {
            n.pk for n in Need.objects.all() if band in money_bands(n.budget_min, n.budget_max)
        }, band
    assert market


def check_band_facets(backend_name: str, market: dict, client) -> None:
    result = service.search("传感器", facets=True)
    assert result.backend == backend_name and result.count == 6
    assert result.facets["trl_band"] == {"4-5": 2, "1-3": 1, "8-9": 1}
    assert result.facets["price_band"] == {
        "10-50": 3,  # pilot, boundary, range
        "lt10": 2,  # lab, range
        NEGOTIABLE: 2,  # open, vague
        "50-100": 1,  # range
    }
    pilot = service.search("传感器", filters={"trl_band": "4-5"})
    assert {h.id for h in pilot.hits} == {market["pilot"].pk, market["boundary"].pk}
    mid = service.search("传感器", filters={"price_band": "50-100"})
    assert [(h.type, h.id) for h in mid.hits] == [("need", market["range"].pk)]

    page = client.get("/search/", {"q": "传感器"}).content.decode()
    assert "技术成熟度" in page and "价格/预算" in page
    assert "小试（TRL 4–5）</a> (2)" in page and "可量产（TRL 8–9）</a> (1)" in page
    # Bands in their own order, cheap to dear, whatever their counts.
    order = [page.index(label) for label in ("面议", "10 万元以下", "10–50 万元", "50–100 万元")]
    assert order == sorted(order)


def test_trl_and_price_bands_are_facets_and_filters(client):
    market = banded_market()
    get_backend("database").rebuild()
    check_band_facets("database", market, client)
