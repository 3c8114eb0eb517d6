"""The dashboard page, its Excel export and the monthly report show the same numbers (spec §8)."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from marketplace import dashboard, tasks_dashboard
from marketplace import ledger as ledger_rules
from marketplace.dashboard_exports import dashboard_workbook

pytestmark = pytest.mark.django_db

D = Decimal


def cell_decimal(value) -> Decimal:
    return D(str(value)).quantize(D("0.01"))


def data_values(html: str, table_id: str) -> list[Decimal]:
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    return [D(v) for v in re.findall(r'data-value="([-0-9.]+)"', table)]


@pytest.fixture
def staff_client(client, personas):
    client.force_login(personas.staff)
    return client


def test_the_page_shows_the_ledgers_figures_in_tables_and_chart_data(staff_client, ledger):
    response = staff_client.get(reverse("marketplace:dashboard"), {"year": 2024})
    html = response.content.decode()

    assert response.status_code == 200
    # 2024 is over: read as of 31 December (E cancelled, G registered).
    assert 'data-value="460.25"' in html
    assert "46.03%" in html
    monthly = data_values(html, "table-monthly")
    assert monthly[0:4] == [D("100.00"), D("120.00"), D("100.00"), D("83.33")]  # January
    charts = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert [D(m["counted"]) for m in charts["months"]] == [
        D(x)
        for x in ("100.00", "200.25", "0", "60.00", "0", "30.00", "0", "0", "70.00", "0", "0", "0")
    ]
    # The chart data and the table beside it carry the same numbers.
    assert [D(m["cumulative"]) for m in charts["months"]] == monthly[2::4]
    assert [D(r["amount"]) for r in charts["by_type"]] == data_values(html, "table-by_type")[0::2]
    assert "鹿城制造" in html and "瓯江大学" in html


def test_the_quarter_filter_narrows_the_breakdowns(staff_client, ledger):
    html = staff_client.get(
        reverse("marketplace:dashboard"), {"year": 2024, "quarter": 2}
    ).content.decode()

    # 咨询 before 服务, in the contract-type list's order; tech then contract amount.
    assert data_values(html, "table-by_type") == [D("30.00"), D("45.00"), D("60.00"), D("80.00")]
    assert "第 2 季度" in html


def test_a_bad_filter_is_explained_and_this_year_is_shown(staff_client, ledger):
    html = staff_client.get(
        reverse("marketplace:dashboard"), {"year": "1999", "quarter": "7"}
    ).content.decode()

    assert "没有 1999 年的数据" in html
    assert "季度应为 1 至 4" in html or "选择一个有效的选项" in html
    assert f"{dt.date.today().year} 年度目标进度" in html


def test_the_page_makes_a_bounded_number_of_queries(
    staff_client, ledger, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30):
        staff_client.get(reverse("marketplace:dashboard"), {"year": 2024})


def test_an_export_is_built_in_the_background_and_downloaded(
    staff_client, ledger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("marketplace:dashboard_export_start"), {"year": 2024})
    assert response.status_code == 302
    job_id = response["Location"].rstrip("/").split("/")[-1]

    status = staff_client.get(response["Location"], {"format": "json"}).json()
    assert status["state"] == "done" and status["percent"] == 100
    assert status["total"] == status["done"] == 7  # registered 2024 contracts the ledger sheet read
    page = staff_client.get(response["Location"]).content.decode()
    assert status["download_url"] in page

    download = staff_client.get(status["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    overview = {
        row[0]: row[1:] for row in book["概览"].iter_rows(values_only=True) if row and row[0]
    }
    assert cell_decimal(overview["已计入金额（元）"][0]) == D("460.25")
    assert cell_decimal(overview["已计入金额（元）"][1]) == D("565.50")
    assert cell_decimal(overview["完成比例（%）"][0]) == D("46.03")
    assert tasks_dashboard.job_load(job_id)["state"] == "done"


def test_the_workbook_holds_the_same_numbers_as_the_page(ledger):
    figures = dashboard.dashboard(2024)
    book = load_workbook(io.BytesIO(dashboard_workbook(2024)))

    months = list(book["月度"].iter_rows(min_row=2, values_only=True))
    assert [cell_decimal(r[3]) for r in months] == [m["tech_amount"] for m in figures["months"]]
    assert [cell_decimal(r[5]) for r in months] == [m["cumulative"] for m in figures["months"]]
    types = {
        r[0]: (r[1], cell_decimal(r[2]), cell_decimal(r[3]))
        for r in book["合同类型"].iter_rows(min_row=2, values_only=True)
    }
    assert types == {
        str(r["label"]): (r["contracts"], r["contract_amount"], r["tech_amount"])
        for r in figures["by_type"]
    }
    top = [
        (r[1], cell_decimal(r[5])) for r in book["前十机构"].iter_rows(min_row=2, values_only=True)
    ]
    assert top == [(r["name"], r["tech_amount"]) for r in figures["top_organisations"]]
    funnel = [r[1] for r in book["转化漏斗"].iter_rows(min_row=2, values_only=True)]
    assert funnel == [s["count"] for s in figures["funnel"]]


def test_the_ledger_sheet_lists_exactly_the_counted_contracts(ledger):
    book = load_workbook(io.BytesIO(dashboard_workbook(2024)))
    rows = list(book["台账"].iter_rows(min_row=2, values_only=True))
    target = ledger_rules.target_for(2024)
    counted = ledger_rules.counted_contracts(
        2024, district_code=target.district_code, basis=target.basis
    )

    assert sorted((r[0], cell_decimal(r[11]), cell_decimal(r[12])) for r in rows) == sorted(
        (c.contract.contract_no, c.contract_amount, c.tech_amount) for c in counted
    )
    assert sum(cell_decimal(r[13]) for r in rows) == D("460.25")
    assert target.measure == "tech_amount"


def test_the_monthly_report_is_mailed_to_staff_once(ledger, personas):
    result = tasks_dashboard.send_monthly_report.delay("2025-01-01").get()

    assert result == "sent"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [personas.staff.email]
    assert "2024 年 12 月技术合同登记月报" in message.subject
    assert "¥460.25" in message.body and "46.03%" in message.body
    name, content, _type = message.attachments[0]
    assert name == "report-2024-12.xlsx"
    overview = {
        r[0]: r[1:]
        for r in load_workbook(io.BytesIO(content))["概览"].iter_rows(values_only=True)
        if r and r[0]
    }
    assert cell_decimal(overview["已计入金额（元）"][0]) == D("460.25")
    assert "台账" not in load_workbook(io.BytesIO(content)).sheetnames

    assert tasks_dashboard.send_monthly_report.delay("2025-01-01").get() == "already-sent"
    assert len(mail.outbox) == 1


def test_the_monthly_report_reads_the_ledger_as_of_the_months_last_day(ledger, personas):
    tasks_dashboard.send_monthly_report.delay("2024-08-01").get()

    body = mail.outbox[0].body
    # As of 31 July: A + B + C + D (amended 07-10) + E (cancelled only from 08-01).
    assert "¥690.25" in body
    assert "7 月：0 份" in body and "8 月" not in body


def test_the_beat_schedule_sends_the_report_monthly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-monthly-report"]
    assert entry["task"] == "marketplace.tasks_dashboard.send_monthly_report"
    assert entry["schedule"].day_of_month == {1}
