"""The rollups count exactly what the ledger counts (spec §7), whatever happens to contracts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command

from marketplace import ledger, rollups
from marketplace.models import LedgerRollup, OrganisationRollup, TargetBasis, TargetMeasure
from marketplace.rollups import Snapshot, yuan
from marketplace.services import contracts as services
from tests import factories
from tests.dashboard.helpers import IN, NEIGHBOUR, OUT, STREET, amend, cancel, code, contract
from tests.dashboard.helpers import reference as ledger_view
from tests.marketplace.helpers import field, subfield

pytestmark = pytest.mark.django_db

D = Decimal
BASES = (TargetBasis.EITHER, TargetBasis.SELLER, TargetBasis.BUYER)


def rollup_view(year: int, as_of: dt.date, basis: str) -> dict:
    """The rollups read like ``ledger_view``: totals by month, dimension and party."""
    snapshot = Snapshot(year, as_of=as_of, basis=basis)
    out = {
        key: defaultdict(lambda: (0, D("0.00"), D("0.00")))
        for key in ("months", "type", "field", "seller_kind", "parties")
    }
    total = [0, 0, 0]
    for (month, dimension, value, _s, _b), cells in snapshot.ledger_rows().items():
        if not any(cells):
            continue
        values = (cells[0], yuan(cells[1]), yuan(cells[2]))
        n, ca, ta = out[dimension][value]
        out[dimension][value] = (n + values[0], ca + values[1], ta + values[2])
        if dimension == "type":
            for i in range(3):
                total[i] += cells[i]
            n, ca, ta = out["months"][month]
            out["months"][month] = (n + values[0], ca + values[1], ta + values[2])
    out["total"] = (total[0], yuan(total[1]), yuan(total[2]))
    for party in snapshot.top_parties(months=range(1, 13), measure="tech_amount", limit=10_000):
        out["parties"][party["party_key"]] = (
            party["contracts"],
            party["contract_amount"],
            party["tech_amount"],
        )
    return out


def assert_rollups_match_ledger(year: int, as_of: dt.date | None = None) -> None:
    for basis in BASES:
        reading = as_of or dt.date(year, 12, 31)
        expected = ledger_view(year, as_of, basis)
        actual = rollup_view(year, reading, basis)
        assert actual["total"] == expected["total"], (basis, reading)
        for key in ("months", "type", "field", "seller_kind", "parties"):
            assert dict(actual[key]) == dict(expected[key]), (basis, reading, key)


def assert_ledger_functions_match(year: int, as_of: dt.date | None = None) -> None:
    """target_progress, year_totals and monthly_totals, for each basis and both measures."""
    for basis in BASES:
        for measure in (TargetMeasure.TECH_AMOUNT, TargetMeasure.CONTRACT_AMOUNT):
            services.target_save(year=year, by=None, basis=basis, measure=measure)
            reading = as_of or dt.date(year, 12, 31)
            view = rollup_view(year, reading, basis)
            progress = ledger.target_progress(year, as_of=as_of)
            totals = ledger.year_totals(year, as_of=as_of)
            index = 2 if measure == TargetMeasure.TECH_AMOUNT else 1
            assert view["total"][index] == progress["counted"]
            assert view["total"][0] == progress["contracts"] == totals["contracts"]
            assert view["total"][1] == totals["contract_amount"]
            assert view["total"][2] == totals["tech_amount"]
            for row in ledger.monthly_totals(year, as_of=as_of):
                n, ca, ta = view["months"].get(row["month"], (0, D("0.00"), D("0.00")))
                assert (n, ca, ta) == (row["contracts"], row["contract_amount"], row["tech_amount"])


@pytest.fixture
def ledger_2024():
    """A year with every kind of contract and both kinds of adjustment, some the next year."""
    university = factories.organisation(kind="university", name="瓯江大学", credit_code=code(101))
    factories.organisation(kind="enterprise", name="鹿城制造", credit_code=code(102))
    items = {
        "seller_in": contract(
            seller_region=IN,
            seller_name="瓯江大学",
            seller_credit_code=university.credit_code,
            tech_amount="10.01",
            contract_amount="12.00",
            registered_on=dt.date(2024, 1, 31),
            tech_field=field("电子信息"),
        ),
        "buyer_in": contract(
            seller_region=OUT,
            buyer_region=STREET,
            buyer_name="鹿城制造",
            buyer_credit_code=code(102),
            tech_amount="20.02",
            contract_amount="25.00",
            registered_on=dt.date(2024, 3, 1),
            contract_type="development_commissioned",
            tech_field=subfield("新材料及其应用"),
        ),
        "both_in": contract(
            seller_region=IN,
            buyer_region=IN,
            seller_name="个人卖方",
            seller_credit_code="",
            buyer_credit_code=code(102),
            buyer_name="鹿城制造",
            tech_amount="30.03",
            contract_amount="30.03",
            registered_on=dt.date(2024, 3, 30),
            contract_type="service",
        ),
        "outside": contract(seller_region=NEIGHBOUR, buyer_region=OUT, tech_amount="99.99"),
        "amended": contract(
            tech_amount="100.00", contract_amount="100.00", registered_on=dt.date(2024, 5, 5)
        ),
        "cancelled": contract(tech_amount="40.00", registered_on=dt.date(2024, 6, 10)),
        "cancelled_next_year": contract(tech_amount="50.00", registered_on=dt.date(2024, 11, 20)),
        "pending": contract(status="submitted", tech_amount="16.00"),
        "rejected": contract(status="rejected", tech_amount="32.00"),
        "last_year": contract(registered_on=dt.date(2023, 12, 31), tech_amount="4.00"),
        "next_year": contract(registered_on=dt.date(2025, 1, 2), tech_amount="8.00"),
    }
    amend(items["amended"], dt.date(2024, 7, 15), "90.00", "75.50")
    amend(items["amended"], dt.date(2025, 1, 15), "200.00", "150.00")
    cancel(items["cancelled"], dt.date(2024, 8, 20))
    cancel(items["cancelled_next_year"], dt.date(2025, 2, 1))
    return items


READINGS = [
    None,
    dt.date(2024, 1, 30),
    dt.date(2024, 3, 15),
    dt.date(2024, 7, 14),
    dt.date(2024, 7, 15),
    dt.date(2024, 8, 19),
    dt.date(2024, 11, 19),
    dt.date(2024, 12, 30),
]


@pytest.mark.parametrize("as_of", READINGS)
def test_rollups_read_like_the_ledger_on_any_day_of_the_year(ledger_2024, as_of):
    assert_rollups_match_ledger(2024, as_of)


def test_rollups_match_the_ledger_functions_for_every_basis_and_measure(ledger_2024):
    assert_ledger_functions_match(2024)
    assert_ledger_functions_match(2024, dt.date(2024, 7, 20))
    assert_ledger_functions_match(2025)
    assert_ledger_functions_match(2025, dt.date(2025, 1, 20))
    assert_ledger_functions_match(2023)


def test_neighbouring_years_are_counted_on_their_own(ledger_2024):
    assert_rollups_match_ledger(2023)
    assert_rollups_match_ledger(2025)
    assert_rollups_match_ledger(2025, dt.date(2025, 1, 10))


def test_an_amendment_changes_the_rollups_from_its_month_only(ledger_2024):
    item = ledger_2024["seller_in"]
    september = rollup_view(2024, dt.date(2024, 9, 30), "either")["total"]
    year_end = rollup_view(2024, dt.date(2024, 12, 31), "either")["total"]

    amend(item, dt.date(2024, 10, 10), "12.00", "11.00")

    assert rollup_view(2024, dt.date(2024, 9, 30), "either")["total"] == september
    after = rollup_view(2024, dt.date(2024, 12, 31), "either")["total"]
    assert after[2] == year_end[2] - D("10.01") + D("11.00")
    assert_rollups_match_ledger(2024)
    assert_rollups_match_ledger(2024, dt.date(2024, 10, 9))


def test_an_amendment_dated_before_an_earlier_recorded_one_is_ordered_by_date(ledger_2024):
    item = ledger_2024["both_in"]
    amend(item, dt.date(2024, 9, 1), "30.03", "20.00")
    amend(item, dt.date(2024, 6, 1), "30.03", "25.00")  # recorded later, effective earlier

    assert_rollups_match_ledger(2024)
    assert_rollups_match_ledger(2024, dt.date(2024, 6, 30))
    assert_rollups_match_ledger(2024, dt.date(2024, 9, 1))


def test_a_cancellation_before_a_later_amendment_wins_from_its_date(ledger_2024):
    item = ledger_2024["buyer_in"]
    amend(item, dt.date(2024, 10, 1), "25.00", "5.00")
    cancel(item, dt.date(2024, 4, 1))

    assert_rollups_match_ledger(2024)
    assert_rollups_match_ledger(2024, dt.date(2024, 3, 31))
    assert rollup_view(2024, dt.date(2024, 12, 31), "buyer")["type"].get(
        "development_commissioned"
    ) in (None, (0, D("0.00"), D("0.00")))


def test_registering_adds_the_contract_in_its_registration_month(ledger_2024):
    before = rollup_view(2024, dt.date(2024, 12, 31), "either")["months"][4]

    contract(registered_on=dt.date(2024, 4, 2), tech_amount="7.77", contract_amount="8.00")

    after = rollup_view(2024, dt.date(2024, 12, 31), "either")["months"][4]
    assert after == (before[0] + 1, before[1] + D("8.00"), before[2] + D("7.77"))
    assert_rollups_match_ledger(2024)


def test_contracts_outside_the_district_and_unregistered_ones_leave_no_rows(db):
    contract(seller_region=NEIGHBOUR, buyer_region=OUT)
    contract(status="submitted")
    contract(status="rejected")
    contract(status="draft")

    assert not LedgerRollup.objects.exists()
    assert not OrganisationRollup.objects.exists()


def test_rebuild_gives_the_same_figures_as_the_running_updates(ledger_2024):
    def snapshot_rows():
        return sorted(
            LedgerRollup.objects.filter(contracts__isnull=False)
            .exclude(contracts=0, contract_cents=0, tech_cents=0)
            .values_list(
                "year",
                "month",
                "effective_month",
                "dimension",
                "value",
                "seller_in_district",
                "buyer_in_district",
                "contracts",
                "contract_cents",
                "tech_cents",
            )
        )

    def party_rows():
        return sorted(
            OrganisationRollup.objects.exclude(
                contracts=0, contract_cents=0, tech_cents=0
            ).values_list(
                "year",
                "month",
                "effective_month",
                "role",
                "party_key",
                "contracts",
                "contract_cents",
                "tech_cents",
            )
        )

    running, running_parties = snapshot_rows(), party_rows()
    LedgerRollup.objects.all().delete()

    call_command("rebuild_rollups", verbosity=0)

    assert snapshot_rows() == running
    assert party_rows() == running_parties


def test_rebuild_of_one_year_leaves_other_years_alone(ledger_2024):
    LedgerRollup.objects.filter(year=2023).update(tech_cents=1)
    LedgerRollup.objects.filter(year=2024).delete()

    rollups.rebuild(year=2024)

    assert_rollups_match_ledger(2024)
    assert set(LedgerRollup.objects.filter(year=2023).values_list("tech_cents", flat=True)) == {1}


def test_changing_a_years_district_recounts_that_year(ledger_2024):
    services.target_save(year=2024, by=None, district_code="330304")

    assert ledger.target_progress(2024)["counted"] == D("99.99")
    assert_rollups_match_ledger(2024)
    assert_rollups_match_ledger(2023)


def test_organisation_kind_is_read_from_the_platforms_organisations(ledger_2024):
    view = rollup_view(2024, dt.date(2024, 12, 31), "either")

    assert view["seller_kind"]["university"] == (1, D("12.00"), D("10.01"))
    # Not on the platform: 卖方单位 (buyer_in, amended, cancelled_next_year) and 个人卖方.
    assert view["seller_kind"]["unknown"][0] == 4


def test_imported_contracts_land_in_the_rollups(db):
    from marketplace.imports import import_contracts

    header = (
        "合同编号,合同名称,合同类型,卖方名称,卖方统一社会信用代码,卖方行政区划,"
        "买方名称,买方统一社会信用代码,买方行政区划,签订日期,合同成交额（万元）,技术交易额,"
        "登记状态,登记编号,登记日期,技术领域"
    )
    rows = [
        "IMP-1,导入合同一,技术开发,甲公司,91330100799655058B,330302,"
        "乙公司,91110000802100433B,110105,2024-02-01,1.5,12000.5,"
        "已登记,2024000000000101,2024-02-10,电子信息",
        "IMP-2,导入合同二,技术服务,丙公司,,110105,丁公司,,330302001,2024-03-01,2,20000,"
        "已登记,2024000000000102,2024-04-01,",
        "IMP-3,导入合同三,技术咨询,戊公司,,330302,己公司,,110105,2024-03-01,3,30000,待登记,,,",
    ]
    content = ("\n".join([header, *rows]) + "\n").encode("utf-8")

    report = import_contracts(content=content, name="contracts.csv")
    assert report.created == 3 and not report.rejected

    assert_rollups_match_ledger(2024)
    assert rollup_view(2024, dt.date(2024, 12, 31), "either")["total"] == (
        2,
        D("35000.00"),
        D("32000.50"),
    )
    # Importing the same file again changes nothing, in the ledger or the rollups.
    import_contracts(content=content, name="contracts.csv")
    assert_rollups_match_ledger(2024)


def test_a_dry_run_import_leaves_the_rollups_untouched(db):
    from marketplace.imports import import_contracts

    content = (
        "合同编号,合同名称,合同类型,卖方名称,卖方行政区划,买方名称,买方行政区划,签订日期,合同成交额,技术交易额,登记状态,登记编号,登记日期\n"
        "DRY-1,试导入,技术转让,甲,330302,乙,110105,2024-02-01,100,90,已登记,2024000000000201,2024-02-02\n"
    ).encode()

    import_contracts(content=content, name="dry.csv", dry_run=True)

    assert not LedgerRollup.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_contracts_registered_at_the_same_time_both_land_in_the_same_rollup_rows():
    import threading

    from django.db import connection

    from tests.conftest import need_service

    need_service(
        "PostgreSQL",
        connection.vendor == "postgresql",
        f"DATABASE_URL points at {connection.vendor}; concurrent writers need PostgreSQL",
    )
    items = [contract(status="submitted", tech_amount=f"{n}.00") for n in (11, 22, 33, 44)]
    barrier = threading.Barrier(len(items))
    errors: list[Exception] = []

    def register(item, n):
        try:
            barrier.wait()
            services.contract_register(
                contract=item,
                registration_no=f"20249{n:011d}",
                registered_on=dt.date(2024, 5, 6),
                by=None,
            )
        except Exception as exc:  # noqa: BLE001 — the test reports whatever went wrong
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(item, n)) for n, item in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    view = rollup_view(2024, dt.date(2024, 12, 31), "either")
    assert view["total"] == (4, D("400.00"), D("110.00"))
    assert_rollups_match_ledger(2024)
