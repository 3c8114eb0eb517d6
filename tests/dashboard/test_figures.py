"""Every dashboard figure against a ledger small enough to count by hand (spec §7-8).

The ledger of 2024 (target ¥1,000.00, district 330302, seller or buyer, 技术交易额), the
fixture ``ledger`` in conftest.py; amounts are contract / tech, dates registration:

- A: 瓯江大学 (university, in) → out; 转让; 电子信息; 01-10; 120.00 / 100.00
- B: 外地公司 (unknown, out) → 鹿城制造 (street in); 开发委托; 新材料 subfield; 02-20;
  250.50 / 200.25
- C: 鹿城制造 (enterprise, in) → 瓯江大学 (in); 服务; no field; 04-05; 80.00 / 60.00
- D: 瓯江大学 → out; 咨询; 06-30; 50.00 / 40.00, amended from 07-10 to 45.00 / 30.00
- E: 张三 (person, in) → out; 许可; 05-15; 300.00 / 300.00, cancelled from 08-01
- F: neighbouring district → out; 03-03; 999.00 / 999.00, never counted
- G: 瓯江大学 → out; 转让; 09-09; 70.00 / 70.00
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace import dashboard
from marketplace.models import (
    ApplicationStatus,
    Challenge,
    ChallengeApplication,
    ChallengeStatus,
    Deal,
    DealStage,
)
from marketplace.services import contracts as services
from tests import factories
from tests.dashboard.helpers import code

pytestmark = pytest.mark.django_db

D = Decimal
MID_YEAR = dt.date(2024, 7, 15)
AFTER_YEAR = dt.date(2025, 3, 1)


def amounts(rows, key="key"):
    return {r[key]: (r["contracts"], r["contract_amount"], r["tech_amount"]) for r in rows}


def test_progress_in_the_middle_of_the_year(ledger):
    p = dashboard.dashboard(2024, today=MID_YEAR)["progress"]

    assert p["target"] == D("1000.00")
    assert p["counted"] == D("690.25")  # A + B + C + D (amended) + E (cancelled only in August)
    assert p["contracts"] == 5
    assert p["percent"] == D("69.03")
    assert p["days_elapsed"] == 197 and p["days_in_year"] == 366
    assert p["year_elapsed_percent"] == D("53.83")
    assert p["forecast"] == D("1282.39")  # 690.25 ÷ 197 × 366
    assert p["months_remaining"] == 6
    assert p["pace"] == D("51.63")  # (1000 − 690.25) ÷ 6
    tech, contract_measure = p["measures"]
    assert tech["is_target_measure"] and not contract_measure["is_target_measure"]
    assert (contract_measure["counted"], contract_measure["percent"]) == (D("795.50"), D("79.55"))
    assert contract_measure["forecast"] == D("1477.93")
    assert contract_measure["forecast_percent"] == D("147.79")
    assert contract_measure["pace"] == D("34.08")


def test_progress_of_a_finished_year(ledger):
    p = dashboard.dashboard(2024, today=AFTER_YEAR)["progress"]

    assert p["counted"] == D("460.25")  # A + B + C + D (amended) + G; E cancelled
    assert p["contracts"] == 5
    assert p["percent"] == D("46.03")
    assert p["year_elapsed_percent"] == D("100.00")
    assert p["forecast"] == D("460.25")
    assert p["pace"] is None
    assert p["measures"][1]["counted"] == D("565.50")


def test_monthly_bars_cumulative_line_and_target_line(ledger):
    months = dashboard.dashboard(2024, today=MID_YEAR)["months"]

    assert [m["counted"] for m in months[:7]] == [
        D("100.00"),
        D("200.25"),
        D("0.00"),
        D("60.00"),
        D("300.00"),
        D("30.00"),
        D("0.00"),
    ]
    assert [m["cumulative"] for m in months] == [
        D("100.00"),
        D("300.25"),
        D("300.25"),
        D("360.25"),
        D("660.25"),
        D("690.25"),
        *[D("690.25")] * 6,
    ]
    assert [m["target_line"] for m in months] == [
        D("83.33"),
        D("166.67"),
        D("250.00"),
        D("333.33"),
        D("416.67"),
        D("500.00"),
        D("583.33"),
        D("666.67"),
        D("750.00"),
        D("833.33"),
        D("916.67"),
        D("1000.00"),
    ]
    assert months[5]["contract_amount"] == D("45.00")  # June: D at its amended amounts
    assert months[1]["contracts"] == 1


def test_breakdowns_by_type_field_seller_kind_and_flow(ledger):
    data = dashboard.dashboard(2024, today=MID_YEAR)

    assert amounts(data["by_type"]) == {
        "transfer": (1, D("120.00"), D("100.00")),
        "development_commissioned": (1, D("250.50"), D("200.25")),
        "service": (1, D("80.00"), D("60.00")),
        "consulting": (1, D("45.00"), D("30.00")),
        "licensing": (1, D("300.00"), D("300.00")),
    }
    by_field = {r["label"]: (r["contracts"], r["tech_amount"]) for r in data["by_field"]}
    assert by_field == {
        "未填写技术领域": (3, D("390.00")),
        "新材料及其应用": (1, D("200.25")),
        "电子信息": (1, D("100.00")),
    }
    assert [r["label"] for r in data["by_field"]] == [
        "未填写技术领域",
        "新材料及其应用",
        "电子信息",
    ]
    assert amounts(data["by_seller_kind"]) == {
        "university": (2, D("165.00"), D("130.00")),
        "enterprise": (1, D("80.00"), D("60.00")),
        "unknown": (2, D("550.50"), D("500.25")),
    }
    shares = {r["key"]: r["share"] for r in data["by_seller_kind"]}
    assert shares == {"university": D("18.83"), "enterprise": D("8.69"), "unknown": D("72.47")}
    flow = data["by_flow"]
    assert amounts(flow["partition"]) == {
        "seller_only": (3, D("465.00"), D("430.00")),
        "buyer_only": (1, D("250.50"), D("200.25")),
        "both": (1, D("80.00"), D("60.00")),
    }
    assert flow["output"] == {
        "contracts": 4,
        "contract_amount": D("545.00"),
        "tech_amount": D("490.00"),
    }
    assert flow["absorption"] == {
        "contracts": 2,
        "contract_amount": D("330.50"),
        "tech_amount": D("260.25"),
    }


def test_top_organisations_rank_in_district_parties_by_the_target_measure(ledger):
    top = dashboard.dashboard(2024, today=MID_YEAR)["top_organisations"]

    # 张三 (a person, no credit code) sold E for 300.00 but is not an organisation.
    assert [(r["name"], r["contracts"], r["tech_amount"]) for r in top] == [
        ("鹿城制造", 2, D("260.25")),  # buyer of B, seller of C
        ("瓯江大学", 3, D("190.00")),  # seller of A and D, buyer of C
    ]
    assert [r["credit_code"] for r in top] == [code(202), code(201)]


def test_a_quarter_narrows_breakdowns_and_ranking_but_not_the_year(ledger):
    data = dashboard.dashboard(2024, quarter=2, today=AFTER_YEAR)

    assert data["period_totals"] == {
        "contracts": 2,
        "contract_amount": D("125.00"),
        "tech_amount": D("90.00"),
    }
    assert amounts(data["by_type"]) == {
        "service": (1, D("80.00"), D("60.00")),
        "consulting": (1, D("45.00"), D("30.00")),
    }
    assert [(r["name"], r["tech_amount"]) for r in data["top_organisations"]] == [
        ("瓯江大学", D("90.00")),
        ("鹿城制造", D("60.00")),
    ]
    assert data["progress"]["counted"] == D("460.25")
    assert sum(m["counted"] for m in data["months"]) == D("460.25")


def test_the_basis_and_measure_of_the_target_drive_every_figure(ledger):
    services.target_save(year=2024, by=None, basis="seller", measure="contract_amount")

    data = dashboard.dashboard(2024, today=AFTER_YEAR)

    # Seller in the district: A, C, D (amended), G; B's seller is outside, E cancelled.
    assert data["progress"]["counted"] == D("315.00")
    assert data["progress"]["contracts"] == 4
    assert {r["key"]: r["amount"] for r in data["by_type"]} == {
        "transfer": D("190.00"),
        "service": D("80.00"),
        "consulting": D("45.00"),
    }
    assert [(r["name"], r["contract_amount"]) for r in data["top_organisations"]] == [
        ("瓯江大学", D("235.00")),
        ("鹿城制造", D("80.00")),
    ]


def test_public_progress_is_this_years_total_against_the_target(ledger):
    assert dashboard.public_progress(2024, today=MID_YEAR) == {
        "year": 2024,
        "target": D("1000.00"),
        "counted": D("690.25"),
        "contracts": 5,  # A, B, C, D (amended) and E (cancelled only from August)
        "percent": D("69.03"),
        "measure": "tech_amount",
        "measure_label": "技术交易额",
        "as_of": MID_YEAR,
    }
    assert dashboard.public_progress(2024, today=AFTER_YEAR)["counted"] == D("460.25")


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def test_funnel_counts_each_step_and_its_conversion_rate(db):
    seller = factories.organisation(kind="university")
    buyers = [factories.organisation(kind="enterprise") for _ in range(4)]
    listings = [factories.achievement(seller) for _ in range(4)]
    for listing in listings[:3]:
        type(listing).objects.filter(pk=listing.pk).update(published_at=_at(dt.date(2024, 5, 1)))
    type(listings[3]).objects.filter(pk=listings[3].pk).update(
        published_at=_at(dt.date(2023, 5, 1))
    )
    need = factories.need(buyers[0])
    type(need).objects.filter(pk=need.pk).update(published_at=_at(dt.date(2024, 11, 1)))

    def deal(buyer, listing, **values):
        item = Deal.objects.create(achievement=listing, requester_org=buyer, owner_org=seller)
        Deal.objects.filter(pk=item.pk).update(created_at=_at(dt.date(2024, 5, 2)), **values)

    deal(buyers[0], listings[0])
    deal(buyers[1], listings[0], stage=DealStage.NEGOTIATING, accepted_at=_at(dt.date(2024, 5, 3)))
    deal(
        buyers[2],
        listings[1],
        stage=DealStage.CONTRACT_SIGNED,
        accepted_at=timezone.now(),
        signed_at=timezone.now(),
    )
    deal(
        buyers[3],
        listings[2],
        stage=DealStage.REGISTERED,
        accepted_at=timezone.now(),
        signed_at=timezone.now(),
    )
    old = Deal.objects.create(
        achievement=listings[3], requester_org=buyers[0], owner_org=seller, stage=DealStage.CLOSED
    )
    Deal.objects.filter(pk=old.pk).update(created_at=_at(dt.date(2023, 12, 31)))

    funnel = dashboard.dashboard(2024, today=AFTER_YEAR)["funnel"]

    assert [(s["key"], s["count"], s["rate"]) for s in funnel] == [
        ("listings", 4, None),
        ("inquiries", 4, D("100.00")),
        ("deals", 3, D("75.00")),
        ("signed", 2, D("66.67")),
        ("registered", 1, D("50.00")),
    ]
    q4 = dashboard.dashboard(2024, quarter=4, today=AFTER_YEAR)["funnel"]
    assert [(s["count"], s["rate"]) for s in q4] == [
        (1, None),
        (0, D("0.00")),
        (0, None),
        (0, None),
        (0, None),
    ]


def test_challenge_statistics(db):
    issuer = factories.organisation(kind="enterprise")
    solvers = [factories.organisation(kind="university") for _ in range(3)]

    def challenge(status, published, enterprise, subsidy):
        return Challenge.objects.create(
            organisation=issuer,
            title="榜单",
            background="背景",
            research_content="内容",
            status=status,
            published_at=_at(published) if published else None,
            bounty_enterprise=D(enterprise),
            bounty_subsidy=D(subsidy),
        )

    open_one = challenge(ChallengeStatus.PUBLISHED, dt.date(2024, 3, 1), "1000000.00", "200000.00")
    awarded = challenge(ChallengeStatus.AWARDED, dt.date(2024, 8, 1), "500000.50", "0.00")
    challenge(ChallengeStatus.ACCEPTED, dt.date(2023, 8, 1), "9.00", "9.00")
    challenge(ChallengeStatus.DRAFT, None, "7.00", "7.00")
    for solver, status in zip(solvers, ["submitted", "submitted", "withdrawn"], strict=True):
        ChallengeApplication.objects.create(
            challenge=open_one,
            organisation=solver,
            team_lead="李四",
            proposal="方案",
            budget=D("10.00"),
            status=status,
        )
    ChallengeApplication.objects.create(
        challenge=awarded,
        organisation=solvers[0],
        team_lead="王五",
        proposal="方案",
        budget=D("10.00"),
        status=ApplicationStatus.SUBMITTED,
        is_winner=True,
    )

    stats = dashboard.dashboard(2024, today=AFTER_YEAR)["challenges"]

    assert stats == {
        "published": 2,
        "applications": 3,
        "awarded": 1,
        "bounty_enterprise": D("1500000.50"),
        "bounty_subsidy": D("200000.00"),
        "bounty_total": D("1700000.50"),
    }
    assert dashboard.dashboard(2024, quarter=1, today=AFTER_YEAR)["challenges"][
        "bounty_total"
    ] == D("1200000.00")
