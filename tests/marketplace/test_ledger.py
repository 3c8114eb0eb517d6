"""Counting the ledger toward the year's target (spec §7) and ``manage.py target_progress``."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from marketplace import ledger
from marketplace.models import Target, TargetBasis, TargetMeasure, TechContract
from marketplace.services import contracts as services

pytestmark = pytest.mark.django_db

D = Decimal
IN = "330302"  # Lucheng, the default district
STREET = "330302001"  # a street under it
STREET12 = "330302003001"
OUT = "110105"  # Beijing Chaoyang
NEIGHBOUR = "330304"  # Ouhai, same city, other district

_numbers = itertools.count(1)


def contract(
    *,
    seller_region: str = IN,
    buyer_region: str = OUT,
    contract_amount: str = "100.00",
    tech_amount: str = "80.00",
    signed_on: dt.date = dt.date(2024, 1, 1),
    registered_on: dt.date | None = dt.date(2024, 3, 15),
    status: str = "registered",
) -> TechContract:
    n = next(_numbers)
    item = services.contract_create(
        data={
            "contract_no": f"L-{n:05d}",
            "title": f"测试合同{n}",
            "contract_type": "transfer",
            "seller_name": "卖方单位",
            "seller_credit_code": "91330100799655058B",
            "seller_region": seller_region,
            "buyer_name": "买方单位",
            "buyer_credit_code": "91110000802100433B",
            "buyer_region": buyer_region,
            "signed_on": signed_on,
            "contract_amount": D(contract_amount),
            "tech_amount": D(tech_amount),
        },
        by=None,
    )
    if status == "draft":
        return item
    item = services.contract_submit(contract=item, by=None)
    if status == "registered":
        item = services.contract_register(
            contract=item,
            registration_no=f"2024{n:012d}",
            registered_on=registered_on,
            by=None,
        )
    elif status == "rejected":
        item = services.contract_reject(contract=item, reason="材料不全", by=None)
    return item


def set_target(**values) -> Target:
    return services.target_save(year=2024, by=None, **values)


def test_the_2024_target_is_seeded_with_the_plan_defaults():
    target = Target.objects.get(year=2024)
    assert target.amount == D("5000000000.00")
    assert target.district_code == settings.DISTRICT_CODE == "330302"
    assert target.measure == TargetMeasure.TECH_AMOUNT
    assert target.basis == TargetBasis.EITHER


def test_either_basis_counts_seller_or_buyer_in_district_once():
    contract(seller_region=IN, buyer_region=OUT, tech_amount="10.01")
    contract(seller_region=OUT, buyer_region=STREET, tech_amount="20.02")
    # Both parties in the district: counted once, not twice.
    contract(seller_region=IN, buyer_region=STREET12, tech_amount="30.03")
    contract(seller_region=NEIGHBOUR, buyer_region=OUT, tech_amount="99.99")
    contract(seller_region="330303", buyer_region="330300", tech_amount="99.99")

    progress = ledger.target_progress(2024)

    assert progress == {
        "year": 2024,
        "target": D("5000000000.00"),
        "measure": "tech_amount",
        "basis": "either",
        "counted": D("60.06"),
        "contracts": 3,
        "percent": D("0.00"),
    }


@pytest.mark.parametrize(
    ("basis", "counted", "contracts"),
    [
        (TargetBasis.EITHER, D("60.06"), 3),
        (TargetBasis.SELLER, D("40.04"), 2),
        (TargetBasis.BUYER, D("50.05"), 2),
    ],
)
def test_basis_selects_output_or_absorption(basis, counted, contracts):
    contract(seller_region=STREET, buyer_region=OUT, tech_amount="10.01")
    contract(seller_region=OUT, buyer_region=IN, tech_amount="20.02")
    contract(seller_region=IN, buyer_region=IN, tech_amount="30.03")
    contract(seller_region=OUT, buyer_region=NEIGHBOUR, tech_amount="40.00")
    set_target(basis=basis)

    progress = ledger.target_progress(2024)

    assert progress["basis"] == basis
    assert progress["counted"] == counted
    assert progress["contracts"] == contracts


def test_contract_amount_measure_sums_contract_amounts():
    contract(contract_amount="1000.50", tech_amount="800.25")
    contract(contract_amount="2000.25", tech_amount="2000.25", seller_region=OUT, buyer_region=IN)
    set_target(measure=TargetMeasure.CONTRACT_AMOUNT)

    progress = ledger.target_progress(2024)

    assert progress["measure"] == "contract_amount"
    assert progress["counted"] == D("3000.75")
    assert ledger.year_totals(2024) == {
        "contracts": 2,
        "contract_amount": D("3000.75"),
        "tech_amount": D("2800.50"),
    }


def test_only_contracts_registered_in_the_year_count():
    contract(registered_on=dt.date(2024, 1, 1), tech_amount="1.00")
    contract(registered_on=dt.date(2024, 12, 31), tech_amount="2.00")
    contract(signed_on=dt.date(2023, 5, 1), registered_on=dt.date(2023, 12, 31), tech_amount="4.00")
    contract(registered_on=dt.date(2025, 1, 1), tech_amount="8.00")
    contract(status="submitted", tech_amount="16.00")
    contract(status="rejected", tech_amount="32.00")
    contract(status="draft", tech_amount="64.00")

    assert ledger.target_progress(2024)["counted"] == D("3.00")
    assert ledger.target_progress(2024)["contracts"] == 2
    assert ledger.target_progress(2023)["counted"] == D("4.00")
    assert ledger.target_progress(2025)["counted"] == D("8.00")


def test_cancellation_removes_a_contract_from_its_own_date_on():
    cancelled_in_year = contract(tech_amount="10.00")
    cancelled_next_year = contract(tech_amount="20.00")
    contract(tech_amount="40.00")
    services.contract_cancel(
        contract=cancelled_in_year, effective_on=dt.date(2024, 6, 1), reason="双方解除", by=None
    )
    services.contract_cancel(
        contract=cancelled_next_year,
        effective_on=dt.date(2025, 2, 1),
        reason="双方解除",
        by=None,
    )

    assert ledger.target_progress(2024)["counted"] == D("60.00")
    assert ledger.target_progress(2024)["contracts"] == 2
    # Read as of a day before the cancellation, it still counted.
    assert ledger.target_progress(2024, as_of=dt.date(2024, 5, 31))["counted"] == D("70.00")


def test_amendment_changes_the_count_from_its_date():
    item = contract(contract_amount="100.00", tech_amount="100.00")
    services.contract_amend(
        contract=item,
        effective_on=dt.date(2024, 7, 1),
        contract_amount=D("90.00"),
        tech_amount=D("75.50"),
        reason="补充协议调减",
        by=None,
    )
    services.contract_amend(
        contract=item,
        effective_on=dt.date(2025, 1, 15),
        contract_amount=D("200.00"),
        tech_amount=D("150.00"),
        reason="补充协议调增",
        by=None,
    )

    assert ledger.target_progress(2024)["counted"] == D("75.50")
    assert ledger.target_progress(2024, as_of=dt.date(2024, 6, 30))["counted"] == D("100.00")
    assert ledger.target_progress(2024, as_of=dt.date(2024, 7, 1))["counted"] == D("75.50")
    item.refresh_from_db()
    assert item.tech_amount == D("100.00")  # the registered row itself is never edited


def test_as_of_leaves_out_contracts_registered_later():
    contract(registered_on=dt.date(2024, 2, 1), tech_amount="1.00")
    contract(registered_on=dt.date(2024, 9, 1), tech_amount="2.00")

    assert ledger.target_progress(2024, as_of=dt.date(2024, 6, 30))["counted"] == D("1.00")


def test_percent_is_rounded_half_up_to_two_places():
    set_target(amount=D("3.00"))
    contract(contract_amount="2.00", tech_amount="2.00")

    assert ledger.target_progress(2024)["percent"] == D("66.67")

    set_target(amount=D("8.00"))
    assert ledger.target_progress(2024)["percent"] == D("25.00")


def test_another_district_is_configuration():
    contract(seller_region=NEIGHBOUR, buyer_region=OUT, tech_amount="5.00")
    contract(seller_region=IN, buyer_region=OUT, tech_amount="7.00")
    set_target(district_code="330304")

    assert ledger.target_progress(2024)["counted"] == D("5.00")


def test_a_year_without_a_target_uses_the_defaults():
    contract(signed_on=dt.date(2025, 1, 1), registered_on=dt.date(2025, 3, 1), tech_amount="9.99")

    progress = ledger.target_progress(2025)

    assert progress["target"] == D("5000000000.00")
    assert progress["basis"] == "either"
    assert progress["counted"] == D("9.99")
    assert not Target.objects.filter(year=2025).exists()


def test_monthly_totals_add_up_to_the_year():
    contract(registered_on=dt.date(2024, 1, 31), contract_amount="10.00", tech_amount="5.00")
    contract(registered_on=dt.date(2024, 3, 1), contract_amount="20.00", tech_amount="15.00")
    contract(registered_on=dt.date(2024, 3, 30), contract_amount="30.00", tech_amount="25.00")

    months = ledger.monthly_totals(2024)

    assert len(months) == 12
    assert months[0]["counted"] == D("5.00")
    assert months[1]["counted"] == D("0.00")
    assert months[2] == {
        "month": 3,
        "contracts": 2,
        "contract_amount": D("50.00"),
        "tech_amount": D("40.00"),
        "counted": D("40.00"),
        "cumulative": D("45.00"),
    }
    assert months[11]["cumulative"] == ledger.target_progress(2024)["counted"] == D("45.00")


def run_command(*args) -> str:
    out = StringIO()
    call_command("target_progress", *args, stdout=out)
    return out.getvalue()


def test_target_progress_command_prints_the_json_contract():
    contract(contract_amount="1500.00", tech_amount="1234.50")
    contract(seller_region=OUT, buyer_region=STREET, tech_amount="0.50", contract_amount="1.00")

    result = json.loads(run_command("--year", "2024", "--format", "json"))

    assert result == {
        "year": 2024,
        "target": "5000000000.00",
        "measure": "tech_amount",
        "basis": "either",
        "counted": "1235.00",
        "contracts": 2,
        "percent": "0.00",
    }


def test_target_progress_command_shows_percent_with_two_decimals():
    set_target(amount=D("1000.00"), measure=TargetMeasure.CONTRACT_AMOUNT, basis="buyer")
    contract(seller_region=OUT, buyer_region=IN, contract_amount="123.45", tech_amount="100.00")

    result = json.loads(run_command("--year", "2024", "--format", "json"))

    assert result["percent"] == "12.35"
    assert result["counted"] == "123.45"
    assert result["target"] == "1000.00"
    assert (result["measure"], result["basis"]) == ("contract_amount", "buyer")
    assert "12.35%" in run_command("--year", "2024")


@pytest.mark.parametrize("year", ["0", "10000"])
def test_target_progress_refuses_a_year_no_calendar_holds(year):
    with pytest.raises(CommandError, match="年度须在 1 到 9999 之间。"):
        run_command("--year", year)
    with pytest.raises(services.DomainError, match="年度须在 1 到 9999 之间。"):
        services.target_save(year=int(year), by=None, amount=D("1.00"))
    assert not Target.objects.filter(year=int(year)).exists()
