"""The hand-countable ledger of 2024 that the dashboard tests read (table in test_figures.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from marketplace.services import contracts as services
from tests import factories
from tests.dashboard.helpers import IN, NEIGHBOUR, OUT, STREET, amend, cancel, code, contract
from tests.marketplace.helpers import field, subfield

D = Decimal


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    # Export jobs and report markers are files: each test gets its own folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ledger():
    services.target_save(year=2024, by=None, amount=D("1000.00"))
    factories.organisation(kind="university", name="瓯江大学", credit_code=code(201))
    factories.organisation(kind="enterprise", name="鹿城制造", credit_code=code(202))
    uni = {"seller_name": "瓯江大学", "seller_credit_code": code(201), "seller_region": IN}
    contract(
        **uni,
        contract_type="transfer",
        tech_field=field("电子信息"),
        registered_on=dt.date(2024, 1, 10),
        contract_amount="120.00",
        tech_amount="100.00",
    )
    contract(
        seller_name="外地公司",
        seller_credit_code="",
        seller_region=OUT,
        buyer_name="鹿城制造",
        buyer_credit_code=code(202),
        buyer_region=STREET,
        contract_type="development_commissioned",
        tech_field=subfield("新材料及其应用"),
        registered_on=dt.date(2024, 2, 20),
        contract_amount="250.50",
        tech_amount="200.25",
    )
    contract(
        seller_name="鹿城制造",
        seller_credit_code=code(202),
        seller_region=IN,
        buyer_name="瓯江大学",
        buyer_credit_code=code(201),
        buyer_region=IN,
        contract_type="service",
        registered_on=dt.date(2024, 4, 5),
        contract_amount="80.00",
        tech_amount="60.00",
    )
    d = contract(
        **uni,
        contract_type="consulting",
        registered_on=dt.date(2024, 6, 30),
        contract_amount="50.00",
        tech_amount="40.00",
    )
    amend(d, dt.date(2024, 7, 10), "45.00", "30.00")
    e = contract(
        seller_name="张三",
        seller_credit_code="",
        contract_type="licensing",
        registered_on=dt.date(2024, 5, 15),
        contract_amount="300.00",
        tech_amount="300.00",
    )
    cancel(e, dt.date(2024, 8, 1))
    contract(
        seller_region=NEIGHBOUR,
        registered_on=dt.date(2024, 3, 3),
        contract_amount="999.00",
        tech_amount="999.00",
    )
    contract(
        **uni,
        contract_type="transfer",
        registered_on=dt.date(2024, 9, 9),
        contract_amount="70.00",
        tech_amount="70.00",
    )
