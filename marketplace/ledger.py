"""Reading the contract ledger: what counts toward the year's target (spec §7).

The rules, in one place:

- A contract counts in the year of its registration date (``registered_on``), while it is
  registered: submitted, draft and rejected contracts never count.
- Amounts are read "as of" a date, by default the last day of the year. The amounts in
  force on that date are those of the latest amendment effective on or before it
  (ordered by effective date, then by when it was recorded), else the registered amounts;
  a cancellation effective on or before it removes the contract. An amendment or
  cancellation effective after that date does not change that year's count.
  Passing ``as_of`` reads the ledger as it stood on that day: only contracts registered
  by then, and only adjustments effective by then.
- Basis: ``either`` counts a contract when the seller or the buyer is in the target's
  district (the district code itself or a street code under it, ``region_within``);
  ``seller`` (输出) and ``buyer`` (吸纳) look at one party. A contract counts once even
  when both parties are in the district.
- Measure: 技术交易额 (``tech_amount``) or 合同成交额 (``contract_amount``).
- Percent is counted ÷ target × 100, rounded half-up to two places. Everything is Decimal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch

from accounts.validators import region_within
from marketplace.models import (
    AdjustmentKind,
    ContractAdjustment,
    ContractStatus,
    Target,
    TargetBasis,
    TargetMeasure,
    TechContract,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class CountedContract:
    """A contract that counts, with the amounts in force at the reading date."""

    contract: TechContract
    contract_amount: Decimal
    tech_amount: Decimal

    def amount(self, measure: str) -> Decimal:
        return self.tech_amount if measure == TargetMeasure.TECH_AMOUNT else self.contract_amount


def amounts_in_force(contract: TechContract, *, on: dt.date) -> tuple[Decimal, Decimal] | None:
    """(contract amount, tech amount) in force on a date; None when cancelled by then.

    Uses prefetched ``adjustments`` when the caller loaded them.
    """
    in_force = [a for a in contract.adjustments.all() if a.effective_on <= on]
    if any(a.kind == AdjustmentKind.CANCELLATION for a in in_force):
        return None
    amendments = sorted(
        (a for a in in_force if a.kind == AdjustmentKind.AMENDMENT),
        key=lambda a: (a.effective_on, a.pk),
    )
    if amendments:
        latest = amendments[-1]
        return latest.contract_amount, latest.tech_amount
    return contract.contract_amount, contract.tech_amount


def target_for(year: int) -> Target:
    """The year's target; an unsaved one with the defaults when the bureau has set none."""
    return Target.objects.filter(year=year).first() or Target(year=year)


def year_in_range(year: int) -> bool:
    """Whether a ledger can be kept for ``year``: one a calendar date holds (1–9999)."""
    return dt.MINYEAR <= year <= dt.MAXYEAR


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def in_basis(contract: TechContract, *, basis: str, district_code: str) -> bool:
    seller = region_within(contract.seller_region, district_code)
    buyer = region_within(contract.buyer_region, district_code)
    if basis == TargetBasis.SELLER:
        return seller
    if basis == TargetBasis.BUYER:
        return buyer
    return seller or buyer


def counted_contracts(
    year: int,
    *,
    district_code: str,
    basis: str = TargetBasis.EITHER,
    as_of: dt.date | None = None,
) -> list[CountedContract]:
    """Every contract counted for ``year`` under ``basis``, each once, with its amounts in force."""
    as_of = min(as_of or year_end(year), year_end(year))
    contracts = (
        TechContract.objects.filter(
            status=ContractStatus.REGISTERED,
            registered_on__gte=dt.date(year, 1, 1),
            registered_on__lte=as_of,
        )
        .prefetch_related(
            Prefetch(
                "adjustments",
                queryset=ContractAdjustment.objects.filter(effective_on__lte=as_of),
            )
        )
        .order_by("registered_on", "id")
    )
    counted: list[CountedContract] = []
    for contract in contracts:
        if not in_basis(contract, basis=basis, district_code=district_code):
            continue
        amounts = amounts_in_force(contract, on=as_of)
        if amounts is None:
            continue
        counted.append(CountedContract(contract, *amounts))
    return counted


def percent_of(amount: Decimal, target: Decimal) -> Decimal:
    if not target:
        return ZERO
    return (amount * HUNDRED / target).quantize(CENT, rounding=ROUND_HALF_UP)


def target_progress(year: int, *, as_of: dt.date | None = None) -> dict:
    """Progress to the year's target (spec §7, §10 ``target_progress``), all amounts Decimal.

    ``{"year", "target", "measure", "basis", "counted", "contracts", "percent"}``: counted is
    the sum of the target's measure over the counted contracts, contracts is how many.
    """
    target = target_for(year)
    counted = counted_contracts(
        year, district_code=target.district_code, basis=target.basis, as_of=as_of
    )
    total = sum((c.amount(target.measure) for c in counted), ZERO)
    return {
        "year": year,
        "target": target.amount,
        "measure": target.measure,
        "basis": target.basis,
        "counted": total,
        "contracts": len(counted),
        "percent": percent_of(total, target.amount),
    }


def year_totals(year: int, *, as_of: dt.date | None = None) -> dict:
    """Both measures for the target's basis (the dashboard shows both, spec §7)."""
    target = target_for(year)
    counted = counted_contracts(
        year, district_code=target.district_code, basis=target.basis, as_of=as_of
    )
    return {
        "contracts": len(counted),
        "contract_amount": sum((c.contract_amount for c in counted), ZERO),
        "tech_amount": sum((c.tech_amount for c in counted), ZERO),
    }


def monthly_totals(year: int, *, as_of: dt.date | None = None) -> list[dict]:
    """Twelve months of counted contracts by registration month, with a cumulative line.

    Amounts are those in force at the same reading date as the year's total, so the
    months add up to ``target_progress``'s counted amount.
    """
    target = target_for(year)
    counted = counted_contracts(
        year, district_code=target.district_code, basis=target.basis, as_of=as_of
    )
    months = [
        {
            "month": m,
            "contracts": 0,
            "contract_amount": ZERO,
            "tech_amount": ZERO,
            "counted": ZERO,
            "cumulative": ZERO,
        }
        for m in range(1, 13)
    ]
    for c in counted:
        row = months[c.contract.registered_on.month - 1]
        row["contracts"] += 1
        row["contract_amount"] += c.contract_amount
        row["tech_amount"] += c.tech_amount
        row["counted"] += c.amount(target.measure)
    running = ZERO
    for row in months:
        running += row["counted"]
        row["cumulative"] = running
    return months
