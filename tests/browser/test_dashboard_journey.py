"""Spec §8 end to end: bureau staff open the dashboard, switch the year, and the charts draw
the same numbers as the tables beside them (ECharts, vendored)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests import factories
from tests.browser.conftest import screenshot
from tests.dashboard.helpers import IN, OUT, contract

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

D = Decimal


def _sign_in(page, email):
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/profile/")


def _chart_series(page, chart_id: str, index: int) -> list[Decimal]:
    values = page.evaluate(
        """([id, index]) => echarts.getInstanceByDom(document.getElementById(id))
              .getOption().series[index].data""",
        [chart_id, index],
    )
    return [D(str(v)).quantize(D("0.01")) for v in values]


def _table_column(page, table_id: str, column: int) -> list[Decimal]:
    values = page.evaluate(
        """([id, column]) => Array.from(document.querySelectorAll(`#${id} tbody tr`))
              .map(row => row.querySelectorAll("td")[column].dataset.value)""",
        [table_id, column],
    )
    return [D(v) for v in values]


def _check_charts_match_tables(page) -> None:
    page.wait_for_selector("html[data-charts-ready=true]")
    # Monthly chart: series 0 = 当月计入 (the target's measure, 技术交易额), series 1 = 累计.
    assert _chart_series(page, "chart-monthly", 0) == _table_column(page, "table-monthly", 1)
    assert _chart_series(page, "chart-monthly", 1) == _table_column(page, "table-monthly", 3)
    assert _chart_series(page, "chart-monthly", 2) == _table_column(page, "table-monthly", 4)
    pie = page.evaluate(
        """() => echarts.getInstanceByDom(document.getElementById("chart-by_type"))
              .getOption().series[0].data.map(d => [d.name, d.value])"""
    )
    rows = page.evaluate(
        """() => Array.from(document.querySelectorAll("#table-by_type tbody tr")).map(
              row => [row.querySelector("th").textContent.trim(),
                      row.querySelectorAll("td")[1].dataset.value])"""
    )
    assert [(name, D(str(value)).quantize(D("0.01"))) for name, value in pie] == [
        (name, D(value)) for name, value in rows
    ]


def test_staff_read_the_dashboard_and_switch_the_year(page):
    this_year = timezone.localdate().year
    last_year = this_year - 1
    staff = factories.bureau_staff()
    # This year: one contract on 1 January (already counted, whatever today is).
    contract(
        registered_on=dt.date(this_year, 1, 1),
        contract_amount="500000.00",
        tech_amount="400000.00",
        contract_type="licensing",
    )
    # Last year: three months, one contract outside the district (never counted).
    contract(
        registered_on=dt.date(last_year, 2, 10),
        contract_amount="1200000.00",
        tech_amount="1000000.50",
    )
    contract(
        registered_on=dt.date(last_year, 6, 5),
        seller_region=OUT,
        buyer_region=IN,
        contract_amount="300000.00",
        tech_amount="250000.25",
        contract_type="service",
    )
    contract(
        registered_on=dt.date(last_year, 6, 20), contract_amount="90000.00", tech_amount="80000.00"
    )
    contract(registered_on=dt.date(last_year, 11, 2), seller_region="330304", buyer_region=OUT)

    _sign_in(page, staff.email)
    page.goto(page.base_url + "/dashboard/")
    assert page.get_by_role("heading", name=f"{this_year} 年度目标进度").is_visible()
    _check_charts_match_tables(page)
    assert _table_column(page, "table-monthly", 3)[-1] == D("400000.00")

    # Switch the year filter to last year.
    page.get_by_label("年度", exact=True).select_option(str(last_year))
    page.get_by_role("button", name="查看", exact=True).click()
    page.wait_for_url(f"**/dashboard/?year={last_year}*")
    assert page.get_by_role("heading", name=f"{last_year} 年度目标进度").is_visible()
    _check_charts_match_tables(page)
    cumulative = _table_column(page, "table-monthly", 3)
    assert cumulative[1] == D("1000000.50") and cumulative[-1] == D("1330000.75")
    assert _chart_series(page, "chart-monthly", 0)[5] == D("330000.25")  # June
    assert (
        page.locator("#target-progress .figure-number").get_attribute("data-value") == "1330000.75"
    )
    screenshot(page, "dashboard")

    # The print stylesheet hides the site's controls and keeps figures and tables.
    page.emulate_media(media="print")
    assert not page.locator(".dashboard-controls").is_visible()
    assert page.locator("#table-monthly").is_visible()
