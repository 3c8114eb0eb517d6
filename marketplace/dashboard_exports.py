"""The dashboard as an Excel workbook (spec §8 export): its figures and the ledger under them.

Figures come from ``marketplace.dashboard`` (the numbers on the page); the 台账
sheet lists the counted contracts of the period, read by ``marketplace.ledger``'s
own rules (``in_basis``, ``amounts_in_force``) at the same reading date, in
chunks so a year of a million-contract ledger streams instead of filling memory.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from marketplace import dashboard as figures
from marketplace.ledger import CountedContract, amounts_in_force, in_basis, target_for
from marketplace.models import ContractAdjustment, ContractStatus, TechContract

MONEY_FORMAT = "#,##0.00"
CHUNK = 5000
Progress = Callable[[int, int], None]


def _money(sheet, value: Decimal | None) -> WriteOnlyCell | str:
    if value is None:
        return ""
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = MONEY_FORMAT
    return cell


def _header(sheet, labels) -> None:
    row = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=str(label))
        cell.font = Font(bold=True)
        row.append(cell)
    sheet.append(row)


def period_label(data: dict) -> str:
    if data["quarter"]:
        return _("%(year)d 年第 %(q)d 季度") % {"year": data["year"], "q": data["quarter"]}
    return _("%(year)d 年") % {"year": data["year"]}


def _overview(book: Workbook, data: dict) -> None:
    p = data["progress"]
    sheet = book.create_sheet(_("概览"))
    _header(sheet, [_("项目"), _("数值")])
    sheet.append([_("统计期间"), period_label(data)])
    sheet.append([_("统计截至"), data["as_of"]])
    sheet.append([_("年度目标（元）"), _money(sheet, p["target"])])
    sheet.append([_("统计口径"), p["measure_label"]])
    sheet.append([_("统计范围"), p["basis_label"]])
    sheet.append([_("统计区域代码"), p["district_code"]])
    sheet.append([_("计入合同数（全年）"), p["contracts"]])
    sheet.append([_("时间进度（%）"), p["year_elapsed_percent"]])
    sheet.append([])
    labels = [m["label"] for m in p["measures"]]
    _header(sheet, [_("指标"), *labels])
    rows = (
        (_("已计入金额（元）"), "counted", True),
        (_("完成比例（%）"), "percent", False),
        (_("年末预测（元）"), "forecast", True),
        (_("预测完成比例（%）"), "forecast_percent", False),
        (_("每月仍需（元）"), "pace", True),
    )
    for label, key, money in rows:
        values = [m[key] for m in p["measures"]]
        sheet.append(
            [label, *[_money(sheet, v) if money else ("" if v is None else v) for v in values]]
        )
    sheet.append([])
    totals = data["period_totals"]
    sheet.append([_("本期计入合同数"), totals["contracts"]])
    sheet.append([_("本期合同成交额（元）"), _money(sheet, totals["contract_amount"])])
    sheet.append([_("本期技术交易额（元）"), _money(sheet, totals["tech_amount"])])


def _months(book: Workbook, data: dict) -> None:
    sheet = book.create_sheet(_("月度"))
    _header(
        sheet,
        [
            _("月份"),
            _("合同数"),
            _("合同成交额（元）"),
            _("技术交易额（元）"),
            _("计入金额（元）"),
            _("累计（元）"),
            _("目标进度线（元）"),
        ],
    )
    for r in data["months"]:
        sheet.append(
            [
                r["month"],
                r["contracts"],
                _money(sheet, r["contract_amount"]),
                _money(sheet, r["tech_amount"]),
                _money(sheet, r["counted"]),
                _money(sheet, r["cumulative"]),
                _money(sheet, r["target_line"]),
            ]
        )


def _breakdown(book: Workbook, title: str, rows: list[dict]) -> None:
    sheet = book.create_sheet(title)
    _header(
        sheet,
        [_("类别"), _("合同数"), _("合同成交额（元）"), _("技术交易额（元）"), _("占比（%）")],
    )
    for r in rows:
        sheet.append(
            [
                str(r["label"]),
                r["contracts"],
                _money(sheet, r["contract_amount"]),
                _money(sheet, r["tech_amount"]),
                r["share"],
            ]
        )


def _flow(book: Workbook, data: dict) -> None:
    _breakdown(book, _("输出吸纳"), data["by_flow"]["partition"])
    sheet = book.worksheets[-1]
    for label, totals in (
        (_("输出合计（卖方在本区）"), data["by_flow"]["output"]),
        (_("吸纳合计（买方在本区）"), data["by_flow"]["absorption"]),
    ):
        sheet.append(
            [
                label,
                totals["contracts"],
                _money(sheet, totals["contract_amount"]),
                _money(sheet, totals["tech_amount"]),
            ]
        )


def _top(book: Workbook, data: dict) -> None:
    sheet = book.create_sheet(_("前十机构"))
    _header(
        sheet,
        [
            _("排名"),
            _("机构名称"),
            _("统一社会信用代码"),
            _("合同数"),
            _("合同成交额（元）"),
            _("技术交易额（元）"),
        ],
    )
    for rank, r in enumerate(data["top_organisations"], start=1):
        sheet.append(
            [
                rank,
                r["name"],
                r["credit_code"],
                r["contracts"],
                _money(sheet, r["contract_amount"]),
                _money(sheet, r["tech_amount"]),
            ]
        )


def _funnel_and_challenges(book: Workbook, data: dict) -> None:
    sheet = book.create_sheet(_("转化漏斗"))
    _header(sheet, [_("环节"), _("数量"), _("转化率（%）")])
    for r in data["funnel"]:
        sheet.append([str(r["label"]), r["count"], "" if r["rate"] is None else r["rate"]])
    sheet = book.create_sheet(_("揭榜挂帅"))
    c = data["challenges"]
    _header(sheet, [_("项目"), _("数值")])
    sheet.append([_("发榜数"), c["published"]])
    sheet.append([_("揭榜申请数"), c["applications"]])
    sheet.append([_("揭榜成功数"), c["awarded"]])
    sheet.append([_("企业出资（元）"), _money(sheet, c["bounty_enterprise"])])
    sheet.append([_("政府补助（元）"), _money(sheet, c["bounty_subsidy"])])
    sheet.append([_("榜金合计（元）"), _money(sheet, c["bounty_total"])])


LEDGER_HEADER = (
    gettext_lazy("合同编号"),
    gettext_lazy("合同名称"),
    gettext_lazy("合同类型"),
    gettext_lazy("卖方名称"),
    gettext_lazy("卖方统一社会信用代码"),
    gettext_lazy("卖方行政区划"),
    gettext_lazy("买方名称"),
    gettext_lazy("买方统一社会信用代码"),
    gettext_lazy("买方行政区划"),
    gettext_lazy("登记编号"),
    gettext_lazy("登记日期"),
    gettext_lazy("合同成交额（元）"),
    gettext_lazy("技术交易额（元）"),
    gettext_lazy("计入金额（元）"),
)


def counted_in_period(
    data: dict, *, progress: Progress | None = None, chunk: int = CHUNK
) -> Iterator[CountedContract]:
    """The period's counted contracts at the dashboard's reading date, a chunk at a time."""
    target = target_for(data["year"])
    as_of = data["as_of"]
    end = min(as_of, data["period_end"])
    candidates = TechContract.objects.filter(
        status=ContractStatus.REGISTERED,
        registered_on__gte=data["period_start"],
        registered_on__lte=end,
    )
    total = candidates.count()
    done = 0
    last = 0
    while True:
        contracts = list(
            candidates.filter(pk__gt=last)
            .order_by("pk")
            .prefetch_related(
                Prefetch(
                    "adjustments",
                    queryset=ContractAdjustment.objects.filter(effective_on__lte=as_of),
                )
            )[:chunk]
        )
        if not contracts:
            break
        for contract in contracts:
            if not in_basis(contract, basis=target.basis, district_code=target.district_code):
                continue
            amounts = amounts_in_force(contract, on=as_of)
            if amounts is not None:
                yield CountedContract(contract, *amounts)
        done += len(contracts)
        last = contracts[-1].pk
        if progress:
            progress(done, total)


def _ledger(book: Workbook, data: dict, progress: Progress | None) -> None:
    sheet = book.create_sheet(_("台账"))
    _header(sheet, LEDGER_HEADER)
    measure = data["progress"]["measure"]
    types = dict(TechContract._meta.get_field("contract_type").choices)
    for item in counted_in_period(data, progress=progress):
        c = item.contract
        date_cell = WriteOnlyCell(sheet, value=c.registered_on)
        date_cell.number_format = "yyyy-mm-dd"
        sheet.append(
            [
                c.contract_no,
                c.title,
                str(types.get(c.contract_type, c.contract_type)),
                c.seller_name,
                c.seller_credit_code,
                c.seller_region,
                c.buyer_name,
                c.buyer_credit_code,
                c.buyer_region,
                c.registration_no,
                date_cell,
                _money(sheet, item.contract_amount),
                _money(sheet, item.tech_amount),
                _money(sheet, item.amount(measure)),
            ]
        )


def workbook(data: dict, *, with_ledger: bool = True, progress: Progress | None = None) -> bytes:
    """The dashboard's figures (and, by default, the ledger sheet) as XLSX bytes."""
    book = Workbook(write_only=True)
    _overview(book, data)
    _months(book, data)
    _breakdown(book, _("合同类型"), data["by_type"])
    _breakdown(book, _("技术领域"), data["by_field"])
    _breakdown(book, _("卖方机构类型"), data["by_seller_kind"])
    _flow(book, data)
    _top(book, data)
    _funnel_and_challenges(book, data)
    if with_ledger:
        _ledger(book, data, progress)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dashboard_workbook(
    year: int,
    *,
    quarter: int | None = None,
    today: dt.date | None = None,
    with_ledger: bool = True,
    progress: Progress | None = None,
) -> bytes:
    return workbook(
        figures.dashboard(year, quarter=quarter, today=today),
        with_ledger=with_ledger,
        progress=progress,
    )
