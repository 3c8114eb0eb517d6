"""The bureau's contract screens in the Wagtail admin (合同登记, spec §6, §7, §10)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from marketplace import tasks_contracts as jobs
from marketplace.demo import make_credit_code
from marketplace.ledger import target_progress
from marketplace.models import (
    AdjustmentKind,
    ContractAdjustment,
    ContractEvent,
    ContractSource,
    ContractStatus,
    Target,
    TechContract,
)
from marketplace.services import contracts as services

pytestmark = pytest.mark.django_db

D = Decimal
BUYER_CODE = "91440300708461136T"
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    # Import jobs are files under MEDIA_ROOT/imports/: keep them in the test's own folder.
    settings.MEDIA_ROOT = tmp_path


def contract_data(seller_code: str, **extra) -> dict:
    n = next(_numbers)
    data = {
        "contract_no": f"ADM-{n:05d}",
        "title": f"高镍三元正极材料制备技术转让{n}",
        "contract_type": "transfer",
        "seller_name": "瓯江大学",
        "seller_credit_code": seller_code,
        "seller_region": "330302",
        "buyer_name": "深圳某新能源公司",
        "buyer_credit_code": BUYER_CODE,
        "buyer_region": "440305",
        "signed_on": dt.date(2024, 3, 1),
        "contract_amount": D("1200000.00"),
        "tech_amount": D("1000000.00"),
    }
    data.update(extra)
    return data


def submitted(personas, **extra) -> TechContract:
    item = services.contract_create(
        data=contract_data(personas.organisation.credit_code, **extra), by=personas.owner
    )
    return services.contract_submit(contract=item, by=personas.owner)


def registered(personas, on=dt.date(2024, 4, 1), **extra) -> TechContract:
    return services.contract_register(
        contract=submitted(personas, **extra),
        registration_no=f"{3303022024100000 + next(_numbers)}",
        registered_on=on,
        by=personas.staff,
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _as(client, personas, who: str):
    if who != "anonymous":
        client.force_login(getattr(personas, who))
    return client


NOT_STAFF = ("owner", "colleague", "outsider", "anonymous")


def _refused(response, who: str) -> bool:
    # Wagtail sends people without admin access to its login page; with it, a 403.
    if response.status_code == 302:
        return "/login/" in response["Location"]
    return response.status_code == 403


def _csv(rows: list[dict]) -> bytes:
    header = list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


LUCHENG_CODE = make_credit_code("91", "330302", "20240099")


def import_row(no: str, **overrides) -> dict:
    values = {
        "合同编号": no,
        "合同名称": "注塑件翘曲控制工艺技术开发",
        "合同类型": "技术开发（委托）",
        "卖方名称": "北京某研究院",
        "卖方统一社会信用代码": "91110000802100433B",
        "卖方行政区划": "110108",
        "买方名称": "鹿城某智能装备有限公司",
        "买方统一社会信用代码": LUCHENG_CODE,
        "买方行政区划": "330302001",
        "签订日期": "2024-03-01",
        "合同成交额": "500000.05",
        "技术交易额": "450000.15",
        "登记状态": "已登记",
        "登记编号": f"{3303022024200000 + next(_numbers)}",
        "登记日期": "2024-04-02",
    }
    values.update(overrides)
    return values


def import_file() -> bytes:
    return _csv(
        [
            import_row("IMP-001"),
            import_row("IMP-002", 技术交易额="600000.00"),  # above the contract amount
            import_row("IMP-003", 合同类型="技术魔法", 合同成交额="-1"),
        ]
    )


def _upload(client, content: bytes, name: str = "contracts.csv"):
    return client.post(
        reverse("contract_imports:upload"),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def _job_id(response) -> str:
    return response["Location"].rstrip("/").split("/")[-1]


# --- access -------------------------------------------------------------------------------
def _all_urls(contract_pk: int, job_id: str) -> list[tuple[str, str, dict]]:
    """Every screen (method, url, POST data that would change something if accepted)."""
    day = "2024-05-01"
    return [
        ("get", reverse("contract_registry:index"), {}),
        ("get", reverse("contract_registry:detail", args=[contract_pk]), {}),
        (
            "post",
            reverse("contract_registry:register", args=[contract_pk]),
            {"register-registration_no": "3303022024999999", "register-registered_on": day},
        ),
        ("post", reverse("contract_registry:reject", args=[contract_pk]), {"reject-reason": "x"}),
        (
            "post",
            reverse("contract_registry:amend", args=[contract_pk]),
            {
                "amend-effective_on": day,
                "amend-contract_amount": "1",
                "amend-tech_amount": "1",
                "amend-reason": "x",
            },
        ),
        (
            "post",
            reverse("contract_registry:cancel", args=[contract_pk]),
            {"cancel-effective_on": day, "cancel-reason": "x"},
        ),
        ("get", reverse("contract_registry:register", args=[contract_pk]), {}),
        ("get", reverse("contract_imports:upload"), {}),
        ("get", reverse("contract_imports:preview", args=[job_id]), {}),
        ("post", reverse("contract_imports:confirm", args=[job_id]), {}),
        ("get", reverse("contract_imports:result", args=[job_id]), {}),
        ("get", reverse("contract_imports:report_xlsx", args=[job_id]), {}),
        ("get", reverse("contract_targets:index"), {}),
        ("get", reverse("contract_targets:edit", args=[2024]), {}),
        (
            "post",
            reverse("contract_targets:edit", args=[2024]),
            {
                "amount": "1.00",
                "district_code": "330302",
                "measure": "tech_amount",
                "basis": "either",
            },
        ),
        ("get", reverse("contract_targets:ledger_export", args=[2024]), {}),
    ]


@pytest.mark.parametrize("who", NOT_STAFF)
def test_only_bureau_staff_reach_the_contract_screens_and_others_change_nothing(
    client, personas, who
):
    contract = submitted(personas)
    job_id = jobs.job_create(content=import_file(), name="c.csv", user_id=personas.staff.pk)
    events = ContractEvent.objects.count()
    targets = list(Target.objects.values_list("year", "amount", "updated_at"))
    _as(client, personas, who)

    for method, url, data in _all_urls(contract.pk, job_id):
        response = getattr(client, method)(url, data)
        assert _refused(response, who), (method, url, response.status_code)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED
    assert ContractEvent.objects.count() == events
    assert list(Target.objects.values_list("year", "amount", "updated_at")) == targets
    assert jobs.job_load(job_id)["state"] == jobs.PREVIEWED
    assert not TechContract.objects.filter(source=ContractSource.OFFLINE).exists()


def test_staff_reach_every_screen(client, personas):
    contract = submitted(personas)
    client.force_login(personas.staff)
    job_id = _job_id(_upload(client, import_file()))
    for method, url, _data in _all_urls(contract.pk, job_id):
        if method == "get":
            response = client.get(url)
            assert response.status_code in (200, 302), url
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("contract_registry:index") in home  # in the sidebar's menu


def test_the_menu_is_not_shown_to_people_outside_the_bureau(client, personas):
    # Even with Wagtail admin access, the bureau role decides.
    personas.owner.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(personas.owner)
    page = client.get(reverse("wagtailadmin_home"))
    assert page.status_code == 200
    assert reverse("contract_registry:index") not in page.content.decode()
    assert client.get(reverse("contract_registry:index")).status_code == 403


# --- list and page ------------------------------------------------------------------------
def test_the_list_filters_and_searches(client, personas):
    waiting = submitted(personas, title="待登记的储能合同")
    done = registered(personas, title="已登记的光伏合同", contract_type="consulting")
    client.force_login(personas.staff)
    url = reverse("contract_registry:index")

    assert waiting.title in client.get(url).content.decode()
    by_status = client.get(url, {"status": "registered"}).content.decode()
    assert done.title in by_status and waiting.title not in by_status
    by_type = client.get(url, {"contract_type": "consulting"}).content.decode()
    assert done.title in by_type and waiting.title not in by_type
    by_year = client.get(url, {"year": "2024"}).content.decode()
    assert done.title in by_year and waiting.title not in by_year
    assert done.title not in client.get(url, {"year": "2023"}).content.decode()
    assert waiting.title not in client.get(url, {"source": "offline"}).content.decode()
    found = client.get(url, {"q": "储能"}).content.decode()
    assert waiting.title in found and done.title not in found
    assert done.title in client.get(url, {"q": done.contract_no}).content.decode()
    assert waiting.title in client.get(url, {"q": "深圳某新能源"}).content.decode()


def test_the_contract_page_shows_fields_timeline_and_adjustments(client, personas):
    contract = registered(personas)
    services.contract_amend(
        contract=contract,
        effective_on=dt.date(2024, 6, 1),
        contract_amount=D("900000.00"),
        tech_amount=D("800000.00"),
        reason="补充协议调减金额",
        by=personas.staff,
    )
    client.force_login(personas.staff)
    page = client.get(reverse("contract_registry:detail", args=[contract.pk])).content.decode()
    for text in (
        contract.contract_no,
        contract.registration_no,
        BUYER_CODE,
        "440305",
        "1200000.00",
        "补充协议调减金额",
        "登记",
        "提交登记",
        "变更",
        "注销",
    ):
        assert text in page, text
    # The timeline says what each change changed (the listing review timeline has no such column).
    timeline = page.split('id="timeline-heading"', 1)[1]
    assert "变更内容" in timeline and "1200000.00 → 900000.00" in timeline


# --- actions ------------------------------------------------------------------------------
def test_staff_register_a_contract_and_a_second_attempt_is_refused(client, personas):
    contract = submitted(personas)
    client.force_login(personas.staff)
    url = reverse("contract_registry:register", args=[contract.pk])
    data = {"register-registration_no": "3303022024000777", "register-registered_on": "2024-04-03"}

    response = client.post(url, data)

    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.REGISTERED
    assert contract.registration_no == "3303022024000777"
    assert contract.registered_on == dt.date(2024, 4, 3)
    assert contract.registered_by == personas.staff

    again = client.post(url, {**data, "register-registration_no": "3303022024000778"})
    assert again.status_code == 200
    assert any("不能重复登记" in m for m in _messages(again))
    assert "3303022024000778" in again.content.decode()  # the form keeps what was typed
    contract.refresh_from_db()
    assert contract.registration_no == "3303022024000777"


def test_a_registration_number_must_have_16_digits(client, personas):
    contract = submitted(personas)
    client.force_login(personas.staff)
    response = client.post(
        reverse("contract_registry:register", args=[contract.pk]),
        {"register-registration_no": "12345", "register-registered_on": "2024-04-03"},
    )
    assert response.status_code == 200
    assert "12345" in response.content.decode()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED


def test_reject_needs_a_reason(client, personas):
    contract = submitted(personas)
    client.force_login(personas.staff)
    url = reverse("contract_registry:reject", args=[contract.pk])

    blank = client.post(url, {"reject-reason": "  "})
    assert blank.status_code == 200
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUBMITTED

    client.post(url, {"reject-reason": "合同附件缺少技术方案"})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.REJECTED
    assert contract.status_reason == "合同附件缺少技术方案"


def test_amend_and_cancel_create_adjustments(client, personas):
    contract = registered(personas)
    client.force_login(personas.staff)

    response = client.post(
        reverse("contract_registry:amend", args=[contract.pk]),
        {
            "amend-effective_on": "2024-06-01",
            "amend-contract_amount": "900000.10",
            "amend-tech_amount": "800000.20",
            "amend-reason": "补充协议",
        },
    )
    assert response.status_code == 302
    amendment = ContractAdjustment.objects.get(contract=contract)
    assert amendment.kind == AdjustmentKind.AMENDMENT
    assert (amendment.contract_amount, amendment.tech_amount) == (D("900000.10"), D("800000.20"))

    response = client.post(
        reverse("contract_registry:cancel", args=[contract.pk]),
        {"cancel-effective_on": "2024-07-01", "cancel-reason": "双方解除合同"},
    )
    assert response.status_code == 302
    cancellation = ContractAdjustment.objects.get(contract=contract, kind="cancellation")
    assert cancellation.effective_on == dt.date(2024, 7, 1)
    assert cancellation.created_by == personas.staff


def test_a_refused_amendment_shows_the_error_and_keeps_the_form(client, personas):
    contract = registered(personas)
    client.force_login(personas.staff)
    response = client.post(
        reverse("contract_registry:amend", args=[contract.pk]),
        {
            "amend-effective_on": "2024-01-01",  # before the registration date
            "amend-contract_amount": "900000.00",
            "amend-tech_amount": "800000.00",
            "amend-reason": "补充协议调整",
        },
    )
    assert response.status_code == 200
    assert any("生效日期不能早于登记日期" in m for m in _messages(response))
    assert "补充协议调整" in response.content.decode()
    assert not ContractAdjustment.objects.exists()


# --- import -------------------------------------------------------------------------------
def test_import_preview_shows_rejected_rows_and_writes_nothing(client, personas):
    client.force_login(personas.staff)
    response = _upload(client, import_file())
    assert response.status_code == 302

    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    report = page.context["report"]
    assert report["created"] == 1
    assert [r["row"] for r in report["rejected"]] == [3, 4]
    assert "第 3 行" in text and "第 4 行" in text
    assert "大于合同成交额" in text and "未知的合同类型" in text
    assert not TechContract.objects.exists()
    assert not ContractEvent.objects.exists()


def test_an_unreadable_file_is_refused_at_upload(client, personas):
    client.force_login(personas.staff)
    response = _upload(client, "不是表头\n".encode(), name="bad.csv")
    assert response.status_code == 200
    assert not list((jobs.Path(jobs.settings.MEDIA_ROOT) / "imports").glob("*"))


def test_confirm_imports_and_the_result_downloads_as_xlsx(client, personas):
    client.force_login(personas.staff)
    job_id = _job_id(_upload(client, import_file()))

    confirm = client.post(reverse("contract_imports:confirm", args=[job_id]))
    assert confirm["Location"] == reverse("contract_imports:result", args=[job_id])

    imported = TechContract.objects.get(contract_no="IMP-001")
    assert imported.source == ContractSource.OFFLINE
    assert imported.status == ContractStatus.REGISTERED
    assert imported.contract_amount == D("500000.05")
    assert TechContract.objects.count() == 1
    result = client.get(confirm["Location"])
    assert result.status_code == 200
    assert result.context["report"]["created"] == 1
    assert "下载结果（XLSX）" in result.content.decode()
    assert 'http-equiv="refresh"' not in result.content.decode()

    # Confirming again does not import twice.
    client.post(reverse("contract_imports:confirm", args=[job_id]))
    assert TechContract.objects.count() == 1

    download = client.get(reverse("contract_imports:report_xlsx", args=[job_id]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(download.content))
    summary = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert ["新增", 1] in summary
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert rows[0] == ("行号", "错误")
    assert [r[0] for r in rows[1:]] == [3, 4]
    assert "技术交易额" in rows[1][1]


def test_the_result_page_refreshes_while_the_import_runs(client, personas):
    client.force_login(personas.staff)
    job_id = _job_id(_upload(client, import_file()))
    jobs.job_update(job_id, state=jobs.RUNNING)
    page = client.get(reverse("contract_imports:result", args=[job_id])).content.decode()
    assert 'http-equiv="refresh" content="2"' in page


def test_the_task_is_idempotent(personas):
    job_id = jobs.job_create(content=import_file(), name="c.csv", user_id=personas.staff.pk)
    jobs.job_update(job_id, state=jobs.QUEUED)
    assert jobs.import_contracts_task.delay(job_id).get() == jobs.DONE
    assert jobs.import_contracts_task.delay(job_id).get() == jobs.DONE
    assert TechContract.objects.count() == 1
    assert jobs.import_contracts_task.delay("0" * 32).get() == "missing"


def test_an_unknown_job_is_not_found(client, personas):
    client.force_login(personas.staff)
    assert (
        client.get(reverse("contract_imports:preview", args=["..%2F..%2Fetc"])).status_code == 404
    )
    assert client.get(reverse("contract_imports:result", args=["f" * 32])).status_code == 404


# --- targets and the ledger ---------------------------------------------------------------
def test_target_edit_changes_the_target_and_the_progress(client, personas):
    registered(personas)  # seller in 330302: counts under "either" and "seller"
    registered(personas, seller_region="330304", buyer_region="330302001")  # buyer only
    client.force_login(personas.staff)

    response = client.post(
        reverse("contract_targets:edit", args=[2024]),
        {
            "amount": "4000000.00",
            "district_code": "330302",
            "measure": "contract_amount",
            "basis": "seller",
        },
    )

    assert response.status_code == 302
    target = Target.objects.get(year=2024)
    assert (target.amount, target.measure, target.basis) == (
        D("4000000.00"),
        "contract_amount",
        "seller",
    )
    assert target.updated_by == personas.staff
    progress = target_progress(2024)
    assert progress["contracts"] == 1
    assert progress["counted"] == D("1200000.00")
    assert progress["percent"] == D("30.00")
    page = client.get(reverse("contract_targets:index")).content.decode()
    assert "30.00%" in page


def test_a_bad_target_is_refused_and_the_form_kept(client, personas):
    client.force_login(personas.staff)
    response = client.post(
        reverse("contract_targets:edit", args=[2024]),
        {"amount": "100.00", "district_code": "12", "measure": "tech_amount", "basis": "either"},
    )
    assert response.status_code == 200
    assert not Target.objects.filter(amount=D("100.00")).exists()
    assert 'value="12"' in response.content.decode()


def test_the_ledger_export_lists_the_counted_contracts_exactly(client, personas):
    first = registered(personas, contract_amount=D("1234567.89"), tech_amount=D("1000000.01"))
    amended = registered(personas, on=dt.date(2024, 5, 6))
    services.contract_amend(
        contract=amended,
        effective_on=dt.date(2024, 6, 1),
        contract_amount=D("700000.30"),
        tech_amount=D("600000.70"),
        reason="补充协议",
        by=personas.staff,
    )
    cancelled = registered(personas)
    services.contract_cancel(
        contract=cancelled, effective_on=dt.date(2024, 8, 1), reason="解除", by=personas.staff
    )
    registered(personas, on=dt.date(2023, 12, 30), signed_on=dt.date(2023, 1, 1))  # other year
    client.force_login(personas.staff)

    response = client.get(reverse("contract_targets:ledger_export", args=[2024]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "合同编号",
        "合同名称",
        "合同类型",
        "卖方名称",
        "卖方行政区划",
        "买方名称",
        "买方行政区划",
        "登记编号",
        "登记日期",
        "合同成交额（元）",
        "技术交易额（元）",
        "计入金额（元）",
    )
    body = {r[0]: r for r in rows[1:]}
    assert set(body) == {first.contract_no, amended.contract_no}
    row = body[first.contract_no]
    assert row[2] == "技术转让"
    assert row[7] == first.registration_no
    assert row[8].date() == dt.date(2024, 4, 1)
    assert [D(str(v)).quantize(D("0.01")) for v in row[9:12]] == [
        D("1234567.89"),
        D("1000000.01"),
        D("1000000.01"),
    ]
    assert [D(str(v)).quantize(D("0.01")) for v in body[amended.contract_no][9:12]] == [
        D("700000.30"),
        D("600000.70"),
        D("600000.70"),
    ]


@pytest.mark.parametrize("year", [0, 10000, 99999999999999999999])
def test_a_year_no_calendar_holds_has_no_target_pages(client, personas, year):
    client.force_login(personas.staff)
    assert client.get(f"/admin/contracts/targets/{year}/ledger.xlsx").status_code == 404
    assert client.get(f"/admin/contracts/targets/{year}/edit/").status_code == 404
    data = {
        "amount": "1.00",
        "district_code": "330302",
        "measure": "tech_amount",
        "basis": "either",
    }
    assert client.post(f"/admin/contracts/targets/{year}/edit/", data).status_code == 404
    client.force_login(personas.owner)  # refused as before, not told whether the year exists
    assert _refused(client.get(f"/admin/contracts/targets/{year}/edit/"), "owner")
