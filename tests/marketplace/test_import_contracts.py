"""``manage.py import_contracts`` (spec §10): offline contracts from CSV or XLSX."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from marketplace.demo import make_credit_code
from marketplace.models import (
    ContractEvent,
    ContractSource,
    ContractStatus,
    ContractType,
    TechContract,
    TechField,
)
from marketplace.services import contracts as services

pytestmark = pytest.mark.django_db

D = Decimal
HEADER = [
    "合同编号",
    "合同名称",
    "合同类型",
    "卖方名称",
    "卖方统一社会信用代码",
    "卖方行政区划",
    "买方名称",
    "买方统一社会信用代码",
    "买方行政区划",
    "签订日期",
    "合同成交额",
    "技术交易额",
    "登记状态",
    "登记编号",
    "登记日期",
    "技术领域",
]
ENGLISH = {
    "合同编号": "contract_no",
    "合同名称": "title",
    "合同类型": "contract_type",
    "卖方名称": "seller_name",
    "卖方统一社会信用代码": "seller_credit_code",
    "卖方行政区划": "seller_region",
    "买方名称": "buyer_name",
    "买方统一社会信用代码": "buyer_credit_code",
    "买方行政区划": "buyer_region",
    "签订日期": "signed_on",
    "合同成交额": "contract_amount",
    "技术交易额": "tech_amount",
    "登记状态": "status",
    "登记编号": "registration_no",
    "登记日期": "registered_on",
    "技术领域": "field",
}
LUCHENG_CODE = make_credit_code("91", "330302", "20240001")


def row(no: str = "HT-2024-001", **overrides) -> dict[str, str]:
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
        "合同成交额": "500000.00",
        "技术交易额": "450000.00",
        "登记状态": "待登记",
        "登记编号": "",
        "登记日期": "",
        "技术领域": "先进制造",
    }
    values.update(overrides)
    return values


def registered_row(no: str = "HT-2024-002", **overrides) -> dict[str, str]:
    values = {
        "登记状态": "已登记",
        "登记编号": "3303022024000042",
        "登记日期": "2024-04-10",
        "卖方名称": "瓯江大学",
        "卖方统一社会信用代码": "91330100799655058B",
        "卖方行政区划": "330302",
        "买方名称": "深圳某电子公司",
        "买方统一社会信用代码": "914403001922038216",
        "买方行政区划": "440305",
        "合同类型": "技术转让",
        "合同成交额": "1200000",
        "技术交易额": "1000000.5",
    }
    values.update(overrides)
    return row(no, **values)


def write_csv(path, rows, header=None, bom=True, encoding="utf-8"):
    header = header or HEADER
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(h, "") for h in header])
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    path.write_bytes(text.encode(encoding))
    return path


def run(path, *options) -> dict:
    out = io.StringIO()
    call_command("import_contracts", str(path), "--format", "json", *options, stdout=out)
    return json.loads(out.getvalue())


# --- good rows ---------------------------------------------------------------------------
def test_csv_with_bom_imports_pending_and_registered_contracts(tmp_path):
    path = write_csv(tmp_path / "contracts.csv", [row(), registered_row()])

    result = run(path)

    assert result == {"created": 2, "updated": 0, "unchanged": 0, "rejected": []}
    pending = TechContract.objects.get(contract_no="HT-2024-001")
    assert pending.status == ContractStatus.SUBMITTED
    assert pending.source == ContractSource.OFFLINE
    assert pending.contract_type == ContractType.DEVELOPMENT_COMMISSIONED
    assert (pending.contract_amount, pending.tech_amount) == (D("500000.00"), D("450000.00"))
    assert pending.signed_on == dt.date(2024, 3, 1)
    assert pending.buyer_region == "330302001"
    assert pending.tech_field == TechField.objects.get(name="先进制造", parent=None)

    done = TechContract.objects.get(contract_no="HT-2024-002")
    assert done.status == ContractStatus.REGISTERED
    assert done.registration_no == "3303022024000042"
    assert done.registered_on == dt.date(2024, 4, 10)
    assert done.registered_by is None
    assert done.tech_amount == D("1000000.50")
    assert done.contract_type == ContractType.TRANSFER
    actions = list(
        ContractEvent.objects.filter(contract=done).order_by("id").values_list("action", "actor")
    )
    assert actions == [("create", None), ("submit", None), ("register", None)]


def test_rejected_status_is_imported_as_not_registered(tmp_path):
    path = write_csv(tmp_path / "c.csv", [row(登记状态="不予登记")])

    assert run(path)["created"] == 1
    assert TechContract.objects.get().status == ContractStatus.REJECTED


def test_amount_headers_may_carry_units_and_wan_yuan_is_exact(tmp_path):
    header = [h for h in HEADER if h not in ("合同成交额", "技术交易额")]
    header += ["合同成交额(万元)", "技术交易额（万元）"]
    first = row("W-1", **{"合同成交额(万元)": "12.3456", "技术交易额（万元）": "0.0001"})
    second = row("W-2", **{"合同成交额(万元)": "1,200", "技术交易额（万元）": "1199.999999"})
    path = write_csv(tmp_path / "wan.csv", [first, second], header=header)

    assert run(path)["created"] == 2

    one = TechContract.objects.get(contract_no="W-1")
    assert (one.contract_amount, one.tech_amount) == (D("123456.00"), D("1.00"))
    two = TechContract.objects.get(contract_no="W-2")
    assert (two.contract_amount, two.tech_amount) == (D("12000000.00"), D("11999999.99"))


def test_yuan_unit_header_and_too_fine_wan_yuan_amounts(tmp_path):
    header = [h for h in HEADER if h not in ("合同成交额", "技术交易额")]
    header += ["合同成交额（元）", "技术交易额(万元)"]
    good = row("Y-1", **{"合同成交额（元）": "30000.10", "技术交易额(万元)": "3.00001"})
    bad = row("Y-2", **{"合同成交额（元）": "30000", "技术交易额(万元)": "1.0000001"})
    path = write_csv(tmp_path / "yuan.csv", [good, bad], header=header)

    result = run(path)

    assert result["created"] == 1
    assert TechContract.objects.get(contract_no="Y-1").tech_amount == D("30000.10")
    assert result["rejected"][0]["row"] == 3
    assert any("两位小数" in e for e in result["rejected"][0]["errors"])


def test_english_aliases_are_accepted(tmp_path):
    header = [ENGLISH[h] for h in HEADER]
    values = {ENGLISH[k]: v for k, v in registered_row(登记状态="registered").items()}
    path = write_csv(tmp_path / "en.csv", [values], header=header, bom=False)

    assert run(path)["created"] == 1
    assert TechContract.objects.get().status == ContractStatus.REGISTERED


def test_development_alone_means_commissioned_and_cooperative_is_kept(tmp_path):
    path = write_csv(
        tmp_path / "dev.csv",
        [row("D-1", 合同类型="技术开发"), row("D-2", 合同类型="技术开发(合作)")],
    )
    run(path)
    assert TechContract.objects.get(contract_no="D-1").contract_type == (
        ContractType.DEVELOPMENT_COMMISSIONED
    )
    assert TechContract.objects.get(contract_no="D-2").contract_type == (
        ContractType.DEVELOPMENT_COOPERATIVE
    )


def test_technology_field_matches_names_subfields_and_parent_slash_child(tmp_path):
    sub = (
        TechField.objects.filter(parent__name="新材料及其应用", parent__parent=None)
        .order_by("id")
        .first()
    )
    assert TechField.objects.filter(name=sub.name).count() == 1
    path = write_csv(
        tmp_path / "fields.csv",
        [
            row("F-1", 技术领域="新材料及其应用"),
            row("F-2", 技术领域=sub.name),
            row("F-3", 技术领域=f"新材料及其应用/{sub.name}"),
            row("F-4", 技术领域=""),
        ],
    )
    assert run(path)["created"] == 4
    fields = dict(TechContract.objects.values_list("contract_no", "tech_field"))
    assert fields["F-1"] == sub.parent_id
    assert fields["F-2"] == fields["F-3"] == sub.pk
    assert fields["F-4"] is None


def test_xlsx_with_date_and_number_cells(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    good = registered_row("X-1")
    good.update(
        签订日期=dt.datetime(2024, 3, 1),
        登记日期=dt.date(2024, 4, 10),
        合同成交额=1200000,
        技术交易额=1000000.5,
        登记编号=3303022024000042,
        卖方行政区划=330302,
    )
    sheet.append([good[h] for h in HEADER])
    sheet.append([None] * len(HEADER))  # a blank row is skipped, but keeps its number
    sheet.append([row("X-2", 合同类型="技术买卖")[h] for h in HEADER])
    path = tmp_path / "contracts.xlsx"
    book.save(path)

    result = run(path)

    assert result["created"] == 1
    assert [r["row"] for r in result["rejected"]] == [4]
    contract = TechContract.objects.get(contract_no="X-1")
    assert contract.tech_amount == D("1000000.50")
    assert contract.registration_no == "3303022024000042"
    assert contract.signed_on == dt.date(2024, 3, 1)
    assert contract.seller_region == "330302"


# --- bad rows ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"合同类型": "技术买卖"}, "未知的合同类型“技术买卖”"),
        ({"合同编号": ""}, "缺少合同编号。"),
        ({"合同名称": ""}, "缺少合同名称。"),
        ({"卖方行政区划": ""}, "缺少卖方行政区划。"),
        ({"签订日期": "2024/03/01"}, "签订日期“2024/03/01”格式不正确，应为 YYYY-MM-DD。"),
        ({"签订日期": "2024-02-30"}, "签订日期“2024-02-30”不是有效日期。"),
        (
            {"卖方统一社会信用代码": "91110000802100433C"},
            "卖方统一社会信用代码：统一社会信用代码校验位",
        ),
        (
            {"买方统一社会信用代码": "9133010079965505"},
            "买方统一社会信用代码：统一社会信用代码应为 18 位",
        ),
        ({"技术交易额": "500000.01"}, "技术交易额（500000.01 元）大于合同成交额（500000.00 元）。"),
        ({"合同成交额": "0"}, "合同成交额必须大于 0。"),
        ({"技术交易额": "-5"}, "技术交易额必须大于 0。"),
        ({"合同成交额": "五十万"}, "合同成交额“五十万”不是有效的金额。"),
        ({"合同成交额": "100.001"}, "两位小数"),
        ({"登记状态": "已登记", "登记日期": "2024-04-01"}, "登记状态为已登记，但缺少登记编号。"),
        (
            {"登记状态": "已登记", "登记编号": "3303022024000001"},
            "登记状态为已登记，但缺少登记日期。",
        ),
        (
            {"登记状态": "已登记", "登记编号": "12345", "登记日期": "2024-04-01"},
            "登记编号“12345”应为 16 位数字。",
        ),
        (
            {"登记状态": "已登记", "登记编号": "3303022024000001", "登记日期": "2024-02-01"},
            "登记日期不能早于签订日期。",
        ),
        ({"登记编号": "3303022024000001"}, "不应填写登记编号或登记日期"),
        ({"买方行政区划": "3303"}, "买方行政区划：行政区划代码应为 6 位数字"),
        ({"登记状态": "作废"}, "未知的登记状态“作废”"),
        ({"技术领域": "炼金术"}, "未知的技术领域“炼金术”。"),
    ],
)
def test_each_bad_row_is_reported_with_its_reason_and_skipped(tmp_path, overrides, reason):
    path = write_csv(tmp_path / "bad.csv", [row("OK-1"), row("BAD-1", **overrides)])

    result = run(path)

    assert result["created"] == 1
    assert len(result["rejected"]) == 1
    rejected = result["rejected"][0]
    assert rejected["row"] == 3
    assert any(reason in e for e in rejected["errors"]), rejected["errors"]
    assert list(TechContract.objects.values_list("contract_no", flat=True)) == ["OK-1"]


def test_every_reason_of_a_row_is_reported_at_once(tmp_path):
    bad = row(
        "BAD-2",
        合同类型="技术买卖",
        卖方统一社会信用代码="91110000802100433C",
        合同成交额="100.00",
        技术交易额="200.00",
        登记状态="已登记",
        签订日期="2024-3-1",
    )
    path = write_csv(tmp_path / "bad.csv", [bad])

    result = run(path)

    assert result["created"] == 0
    errors = result["rejected"][0]["errors"]
    assert result["rejected"][0]["row"] == 2
    for reason in (
        "未知的合同类型",
        "校验位",
        "大于合同成交额",
        "缺少登记编号",
        "缺少登记日期",
        "签订日期“2024-3-1”格式不正确",
    ):
        assert any(reason in e for e in errors), (reason, errors)
    assert len(errors) == 6


def test_duplicate_contract_numbers_in_one_file(tmp_path):
    path = write_csv(
        tmp_path / "dup.csv",
        [row("DUP-1"), row("OTHER"), row("DUP-1", 合同成交额="600000.00")],
    )

    result = run(path)

    assert result["created"] == 2
    assert result["rejected"] == [
        {"row": 4, "errors": ["合同编号 DUP-1 与第 2 行重复，同一文件中合同编号不能重复。"]}
    ]
    assert TechContract.objects.get(contract_no="DUP-1").contract_amount == D("500000.00")


def test_a_registration_number_already_used_is_reported(tmp_path):
    path = write_csv(
        tmp_path / "reg.csv",
        [registered_row("R-1"), registered_row("R-2")],  # both carry 3303022024000042
    )

    result = run(path)

    assert result["created"] == 1
    assert result["rejected"][0]["row"] == 3
    assert any("已被其他合同使用" in e for e in result["rejected"][0]["errors"])
    assert not TechContract.objects.filter(contract_no="R-2").exists()


# --- re-importing -------------------------------------------------------------------------
def test_reimporting_the_same_file_changes_nothing(tmp_path):
    path = write_csv(
        tmp_path / "c.csv", [row(), registered_row(), row("HT-3", 登记状态="不予登记")]
    )
    assert run(path)["created"] == 3
    events = ContractEvent.objects.count()
    stamps = dict(TechContract.objects.values_list("contract_no", "updated_at"))

    assert run(path) == {"created": 0, "updated": 0, "unchanged": 3, "rejected": []}
    assert ContractEvent.objects.count() == events
    assert dict(TechContract.objects.values_list("contract_no", "updated_at")) == stamps


def test_a_pending_contract_is_updated_and_may_be_registered_later(tmp_path):
    run(write_csv(tmp_path / "a.csv", [row()]))

    result = run(write_csv(tmp_path / "b.csv", [row(合同成交额="520000.00", 技术领域="")]))

    assert result == {"created": 0, "updated": 1, "unchanged": 0, "rejected": []}
    contract = TechContract.objects.get()
    assert contract.contract_amount == D("520000.00")
    assert contract.tech_field is None
    assert contract.status == ContractStatus.SUBMITTED
    update = ContractEvent.objects.get(contract=contract, action="update")
    assert update.before["contract_amount"] == "500000.00"
    assert update.after["contract_amount"] == "520000.00"

    registered = row(
        合同成交额="520000.00",
        技术领域="",
        登记状态="已登记",
        登记编号="3303022024000077",
        登记日期="2024-05-06",
    )
    assert run(write_csv(tmp_path / "c.csv", [registered]))["updated"] == 1
    contract.refresh_from_db()
    assert (contract.status, contract.registration_no) == ("registered", "3303022024000077")


def test_a_change_to_a_registered_contract_is_rejected(tmp_path):
    run(write_csv(tmp_path / "a.csv", [registered_row()]))

    result = run(write_csv(tmp_path / "b.csv", [registered_row(技术交易额="900000.00")]))

    assert result["updated"] == 0
    assert result["rejected"][0]["row"] == 2
    (message,) = result["rejected"][0]["errors"]
    assert "已登记" in message and "技术交易额" in message
    assert TechContract.objects.get().tech_amount == D("1000000.50")


def test_a_file_without_status_columns_adds_pending_and_leaves_existing_status_alone(tmp_path):
    run(write_csv(tmp_path / "a.csv", [registered_row("S-1")]))
    header = [h for h in HEADER if h not in ("登记状态", "登记编号", "登记日期")]
    path = write_csv(tmp_path / "b.csv", [registered_row("S-1"), row("S-2")], header=header)

    assert run(path) == {"created": 1, "updated": 0, "unchanged": 1, "rejected": []}
    statuses = dict(TechContract.objects.values_list("contract_no", "status"))
    assert statuses == {"S-1": "registered", "S-2": "submitted"}


def test_a_contract_registered_online_and_imported_is_one_contract(tmp_path, personas):
    online = services.contract_create(
        data={
            "contract_no": "HT-2024-002",
            "title": "注塑件翘曲控制工艺技术开发",
            "contract_type": "transfer",
            "seller_name": "瓯江大学",
            "seller_credit_code": "91330100799655058B",
            "seller_region": "330302",
            "buyer_name": "深圳某电子公司",
            "buyer_credit_code": "914403001922038216",
            "buyer_region": "440305",
            "signed_on": dt.date(2024, 3, 1),
            "contract_amount": D("1200000"),
            "tech_amount": D("1000000.50"),
            "tech_field": TechField.objects.get(name="先进制造", parent=None),
        },
        by=personas.staff,
    )
    services.contract_submit(contract=online, by=personas.staff)
    services.contract_register(
        contract=online,
        registration_no="3303022024000042",
        registered_on=dt.date(2024, 4, 10),
        by=personas.staff,
    )

    result = run(write_csv(tmp_path / "c.csv", [registered_row()]))

    assert result == {"created": 0, "updated": 0, "unchanged": 1, "rejected": []}
    assert TechContract.objects.get().source == ContractSource.ONLINE


# --- dry run, output, whole-file problems ----------------------------------------------------
def test_dry_run_writes_nothing_and_reports_the_same(tmp_path):
    path = write_csv(tmp_path / "c.csv", [row(), registered_row(), row("BAD", 合同类型="x"), row()])

    dry = run(path, "--dry-run")

    assert TechContract.objects.count() == 0
    assert ContractEvent.objects.count() == 0
    assert dry == run(path)
    assert dry["created"] == 2
    assert [r["row"] for r in dry["rejected"]] == [4, 5]


def test_json_output_has_the_public_shape(tmp_path):
    path = write_csv(tmp_path / "c.csv", [row(), row("BAD", 合同成交额="")])

    result = run(path)

    assert list(result) == ["created", "updated", "unchanged", "rejected"]
    assert result["rejected"] == [{"row": 3, "errors": ["缺少合同成交额。"]}]


def test_human_output_lists_rejected_rows(tmp_path):
    path = write_csv(tmp_path / "c.csv", [row(), row("BAD", 合同类型="x")])
    out = io.StringIO()

    call_command("import_contracts", str(path), "--dry-run", stdout=out)

    text = out.getvalue()
    assert "新增 1 份" in text
    assert "第 3 行：未知的合同类型“x”" in text
    assert "试运行" in text
    assert TechContract.objects.count() == 0


def test_a_header_without_required_columns_is_refused(tmp_path):
    header = [h for h in HEADER if h not in ("合同类型", "技术交易额")]
    path = write_csv(tmp_path / "c.csv", [row()], header=header)

    with pytest.raises(CommandError, match="合同类型、技术交易额"):
        run(path)
    assert TechContract.objects.count() == 0


def test_an_unknown_amount_unit_is_refused(tmp_path):
    header = [h if h != "合同成交额" else "合同成交额(千元)" for h in HEADER]
    path = write_csv(tmp_path / "c.csv", [row()], header=header)

    with pytest.raises(CommandError, match="单位"):
        run(path)


def test_a_file_not_in_utf8_is_refused(tmp_path):
    path = write_csv(tmp_path / "gbk.csv", [row()], bom=False, encoding="gbk")

    with pytest.raises(CommandError, match="UTF-8"):
        run(path)
    assert TechContract.objects.count() == 0


def test_progress_is_reported_while_a_file_imports(tmp_path):
    from marketplace.imports import import_contracts

    path = tmp_path / "contracts.csv"
    write_csv(path, [row(f"HT-P-{i:03d}") for i in range(120)])
    seen: list[tuple[int, int]] = []
    report = import_contracts(
        content=path.read_bytes(), name="contracts.csv", progress=lambda d, t: seen.append((d, t))
    )
    assert report.created == 120
    assert seen[0] == (50, 120) and seen[-1] == (120, 120)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
