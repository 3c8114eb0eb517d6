"""Builders for dashboard tests: contracts through the real services, and the ledger's view.

``reference`` recomputes, contract by contract from ``marketplace.ledger``, what the
rollups must say; tests compare the two (and check hand-computed figures elsewhere).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal

from accounts.validators import region_within
from marketplace import ledger
from marketplace.demo import make_credit_code
from marketplace.models import TechContract, TechField
from marketplace.services import contracts as services

D = Decimal
IN = "330302"  # Lucheng, the default district
STREET = "330302001"
OUT = "110105"
NEIGHBOUR = "330304"

_numbers = itertools.count(1)


def code(serial: int, region: str = "330302") -> str:
    return make_credit_code("91", region, f"{serial:08d}")


def contract(
    *,
    seller_region: str = IN,
    buyer_region: str = OUT,
    contract_amount: str = "100.00",
    tech_amount: str = "80.00",
    registered_on: dt.date | None = dt.date(2024, 3, 15),
    status: str = "registered",
    contract_type: str = "transfer",
    seller_name: str = "卖方单位",
    seller_credit_code: str = "91330100799655058B",
    buyer_name: str = "买方单位",
    buyer_credit_code: str = "91110000802100433B",
    tech_field: TechField | None = None,
) -> TechContract:
    n = next(_numbers)
    signed_on = (registered_on or dt.date(2024, 1, 1)) - dt.timedelta(days=3)
    item = services.contract_create(
        data={
            "contract_no": f"DB-{n:06d}",
            "title": f"看板测试合同{n}",
            "contract_type": contract_type,
            "seller_name": seller_name,
            "seller_credit_code": seller_credit_code,
            "seller_region": seller_region,
            "buyer_name": buyer_name,
            "buyer_credit_code": buyer_credit_code,
            "buyer_region": buyer_region,
            "signed_on": signed_on,
            "contract_amount": D(contract_amount),
            "tech_amount": D(tech_amount),
            "tech_field": tech_field,
        },
        by=None,
    )
    if status == "draft":
        return item
    item = services.contract_submit(contract=item, by=None)
    if status == "registered":
        item = services.contract_register(
            contract=item,
            registration_no=f"{registered_on.year}{n:012d}",
            registered_on=registered_on,
            by=None,
        )
    elif status == "rejected":
        item = services.contract_reject(contract=item, reason="材料不全", by=None)
    return item


def amend(item, on: dt.date, contract_amount: str, tech_amount: str):
    return services.contract_amend(
        contract=item,
        effective_on=on,
        contract_amount=D(contract_amount),
        tech_amount=D(tech_amount),
        reason="补充协议",
        by=None,
    )


def cancel(item, on: dt.date):
    return services.contract_cancel(contract=item, effective_on=on, reason="解除", by=None)


def reference(year: int, as_of: dt.date | None = None, basis: str | None = None) -> dict:
    """What the dashboard must show, computed contract by contract from the ledger."""
    from accounts.models import Organisation

    target = ledger.target_for(year)
    basis = basis or target.basis
    counted = ledger.counted_contracts(
        year, district_code=target.district_code, basis=basis, as_of=as_of
    )
    kinds_by_code = dict(
        Organisation.objects.exclude(credit_code="").values_list("credit_code", "kind")
    )
    kinds_by_name = dict(Organisation.objects.values_list("name", "kind"))
    zero = (0, D("0.00"), D("0.00"))

    def add(table, key, c):
        n, ca, ta = table[key]
        table[key] = (n + 1, ca + c.contract_amount, ta + c.tech_amount)

    out = {
        "total": zero,
        "months": defaultdict(lambda: zero),
        "type": defaultdict(lambda: zero),
        "field": defaultdict(lambda: zero),
        "seller_kind": defaultdict(lambda: zero),
        "parties": defaultdict(lambda: zero),
    }
    for c in counted:
        k = c.contract
        n, ca, ta = out["total"]
        out["total"] = (n + 1, ca + c.contract_amount, ta + c.tech_amount)
        add(out["months"], k.registered_on.month, c)
        add(out["type"], k.contract_type, c)
        add(out["field"], str(k.tech_field.top.pk) if k.tech_field_id else "", c)
        kind = (
            kinds_by_code.get(k.seller_credit_code) or kinds_by_name.get(k.seller_name) or "unknown"
        )
        add(out["seller_kind"], kind, c)
        district = target.district_code
        # Organisations (with a credit code) in the district, under the basis's roles.
        seller_in = region_within(k.seller_region, district) and k.seller_credit_code
        buyer_in = region_within(k.buyer_region, district) and k.buyer_credit_code
        if basis in ("either", "seller") and seller_in:
            add(out["parties"], k.seller_credit_code, c)
        if basis in ("either", "buyer") and buyer_in:
            add(out["parties"], k.buyer_credit_code, c)
    return out
