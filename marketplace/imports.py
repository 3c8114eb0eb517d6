"""Importing offline technology contracts (线下技术合同) from a spreadsheet (spec §10).

The file is CSV (UTF-8, with or without BOM) or XLSX (first worksheet). Row 1 is the
header, in Chinese or with the English aliases; an amount header may carry its unit,
``(元)`` or ``(万元)`` (default 元; 万元 is multiplied by 10 000 exactly). Each data row
is checked completely, so a bad row is reported with every reason at once and skipped;
good rows go through the same services as online contracts (source = offline, done by
the system), each in its own savepoint.

Decisions this module makes, beyond the spec's wording:

- 合同类型 ``技术开发`` alone means 技术开发（委托）; the subtypes of transfer, licensing
  and service used in registration forms (专利权转让, 专利实施许可, 技术培训 …) map to
  their type.
- 登记状态 blank means 待登记, and so does a file without that column for a new
  contract (an existing one then keeps its status); a registration number or date on
  a row that is not 已登记 is an error rather than silently dropped.
- Optional columns: the two credit codes (natural persons have none; checked when
  present), 登记编号/登记日期 (required for 已登记), 技术领域 (a national field, an
  alias, ``上级/子领域``, or a subfield name that is unique). A column missing from the
  header leaves that value of an existing contract alone.
- A contract number seen on an earlier row of the same file makes the later row an
  error; the earlier row is imported on its own merits.
- Re-importing the same file finds every contract as it is (``unchanged``). A row for an
  existing contract that is not registered updates it and moves it to the row's status;
  a row that differs from a registered contract is rejected, naming the differences.
- ``dry_run`` runs everything, then rolls the whole transaction back, so the report is
  the one a real run would give.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.validators import normalise_credit_code, validate_credit_code, validate_region_code
from marketplace.models import (
    ContractSource,
    ContractStatus,
    ContractType,
    TechContract,
    TechField,
)
from marketplace.models.contracts import REGISTRATION_NO_RE
from marketplace.seeds.codelists_v1 import SOURCE_FIELD_TO_NATIONAL
from marketplace.services import contracts as services

CENT = Decimal("0.01")
UNITS = {"元": Decimal("1"), "万元": Decimal("10000")}

# Column key → (label in reports, accepted headers). The first header is the spec's.
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "contract_no": ("合同编号", ("合同编号", "contract_no")),
    "title": ("合同名称", ("合同名称", "title")),
    "contract_type": ("合同类型", ("合同类型", "contract_type")),
    "seller_name": ("卖方名称", ("卖方名称", "seller_name")),
    "seller_credit_code": (
        "卖方统一社会信用代码",
        ("卖方统一社会信用代码", "seller_credit_code"),
    ),
    "seller_region": ("卖方行政区划", ("卖方行政区划", "卖方行政区划代码", "seller_region")),
    "buyer_name": ("买方名称", ("买方名称", "buyer_name")),
    "buyer_credit_code": ("买方统一社会信用代码", ("买方统一社会信用代码", "buyer_credit_code")),
    "buyer_region": ("买方行政区划", ("买方行政区划", "买方行政区划代码", "buyer_region")),
    "signed_on": ("签订日期", ("签订日期", "signed_on")),
    "contract_amount": ("合同成交额", ("合同成交额", "contract_amount")),
    "tech_amount": ("技术交易额", ("技术交易额", "tech_amount")),
    "status": ("登记状态", ("登记状态", "status")),
    "registration_no": ("登记编号", ("登记编号", "registration_no")),
    "registered_on": ("登记日期", ("登记日期", "registered_on")),
    "field": ("技术领域", ("技术领域", "field", "tech_field")),
}
REQUIRED = (
    "contract_no",
    "title",
    "contract_type",
    "seller_name",
    "seller_region",
    "buyer_name",
    "buyer_region",
    "signed_on",
    "contract_amount",
    "tech_amount",
)
AMOUNT_COLUMNS = ("contract_amount", "tech_amount")
DATE_COLUMNS = ("signed_on", "registered_on")
TEXT_COLUMNS = ("contract_no", "title", "seller_name", "buyer_name")
# Row column → contract field, for the values a row sets on a contract.
CONTRACT_FIELDS = {
    "contract_no": "contract_no",
    "title": "title",
    "contract_type": "contract_type",
    "seller_name": "seller_name",
    "seller_credit_code": "seller_credit_code",
    "seller_region": "seller_region",
    "buyer_name": "buyer_name",
    "buyer_credit_code": "buyer_credit_code",
    "buyer_region": "buyer_region",
    "signed_on": "signed_on",
    "contract_amount": "contract_amount",
    "tech_amount": "tech_amount",
    "field": "tech_field",
}

_PUNCT = re.compile(r"[\s、，,（）()·_\-—/／]")
_HEADER_UNIT = re.compile(r"^(?P<name>.*?)[（(]\s*(?P<unit>[^()（）]*?)\s*[)）]$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AMOUNT = re.compile(r"^[-+]?\d+(\.\d+)?$")


def _key(word: str) -> str:
    return _PUNCT.sub("", str(word or "")).lower()


_HEADERS = {_key(h): key for key, (_label, headers) in COLUMNS.items() for h in headers}

_CONTRACT_TYPES: dict[str, str] = {}
for _type, _words in {
    ContractType.DEVELOPMENT_COMMISSIONED: (
        "技术开发（委托）",
        "技术开发（委托开发）",
        "委托开发",
        "委托开发合同",
        "技术开发",  # 技术开发 alone: 委托, the common case (documented above)
        "development",
        "development_commissioned",
    ),
    ContractType.DEVELOPMENT_COOPERATIVE: (
        "技术开发（合作）",
        "技术开发（合作开发）",
        "合作开发",
        "合作开发合同",
        "development_cooperative",
    ),
    ContractType.TRANSFER: (
        "技术转让",
        "专利权转让",
        "专利申请权转让",
        "技术秘密转让",
        "计算机软件著作权转让",
        "集成电路布图设计专有权转让",
        "植物新品种权转让",
        "transfer",
    ),
    ContractType.LICENSING: (
        "技术许可",
        "专利实施许可",
        "技术秘密使用许可",
        "技术秘密许可",
        "licensing",
        "license",
        "licence",
    ),
    ContractType.CONSULTING: ("技术咨询", "consulting", "consultancy"),
    ContractType.SERVICE: ("技术服务", "技术培训", "技术中介", "service", "technical_service"),
}.items():
    for _word in _words:
        _CONTRACT_TYPES[_key(_word)] = _type

_STATUSES = {
    _key(word): status
    for status, words in {
        ContractStatus.SUBMITTED: ("待登记", "pending", "submitted"),
        ContractStatus.REGISTERED: ("已登记", "registered"),
        ContractStatus.REJECTED: ("不予登记", "rejected"),
    }.items()
    for word in words
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, header); nothing is imported."""


@dataclass
class RejectedRow:
    row: int
    errors: list[str]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of spec §10: ``{"created", "updated", "unchanged", "rejected"}``."""
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"row": r.row, "errors": list(r.errors)} for r in self.rejected],
        }


@dataclass
class ParsedRow:
    row: int
    data: dict[str, Any]  # contract fields for the services
    status: str
    status_given: bool  # False when the file has no 登记状态 column
    registration_no: str
    registered_on: dt.date | None
    errors: list[str]


# --- reading the file -------------------------------------------------------------------
def _read_rows(content: bytes, name: str) -> list[list[Any]]:
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise ImportFileError(_("不支持 .xls 格式，请在 Excel 中另存为 .xlsx 或 CSV（UTF-8）。"))
    if suffix in (".xlsx", ".xlsm") or (suffix != ".csv" and content[:4] == b"PK\x03\x04"):
        return _read_xlsx(content)
    return _read_csv(content)


def _read_csv(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("文件不是 UTF-8 编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入。")
        ) from exc
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFileError(_("CSV 文件格式有误：%(error)s") % {"error": exc}) from exc


def _read_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("无法读取 XLSX 文件：%(error)s") % {"error": exc}) from exc
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(min_row=1, values_only=True)]
    finally:
        book.close()


@dataclass
class Header:
    columns: dict[str, int]  # column key → index
    units: dict[str, Decimal]  # amount column key → multiplier


def _parse_header(cells: list[Any]) -> Header:
    columns: dict[str, int] = {}
    units: dict[str, Decimal] = {}
    for index, cell in enumerate(cells):
        text = str(cell or "").replace("\ufeff", "").strip()
        if not text:
            continue
        unit = None
        match = _HEADER_UNIT.match(text)
        key = _HEADERS.get(_key(text))
        if key is None and match:
            key = _HEADERS.get(_key(match["name"]))
            unit = match["unit"]
        if key is None:
            continue  # other columns (备注 …) are ignored
        if key in columns:
            raise ImportFileError(
                _("表头中“%(label)s”列出现了不止一次。") % {"label": COLUMNS[key][0]}
            )
        if unit is not None and key in AMOUNT_COLUMNS:
            # The unit decides every amount in the column: never guess it.
            if unit.lower() not in ("元", "万元", "yuan"):
                raise ImportFileError(
                    _("表头“%(header)s”的单位无法识别，金额列只能使用（元）或（万元）。")
                    % {"header": text}
                )
            units[key] = UNITS["万元"] if unit == "万元" else UNITS["元"]
        columns[key] = index
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in columns]
    if missing:
        raise ImportFileError(
            _("表头缺少必需的列：%(columns)s。第 1 行应为表头。") % {"columns": "、".join(missing)}
        )
    return Header(columns=columns, units=units)


# --- checking one row ---------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


class TechFieldIndex:
    """Technology fields by the names people write: field, alias, 上级/子领域, unique subfield."""

    def __init__(self) -> None:
        self.tops: dict[str, TechField] = {}
        self.pairs: dict[tuple[str, str], TechField] = {}
        self.subs: dict[str, list[TechField]] = defaultdict(list)
        for tf in TechField.objects.select_related("parent").order_by("id"):
            names = [tf.name, *tf.aliases]
            if tf.parent_id is None:
                for name in names:
                    self.tops.setdefault(_key(name), tf)
                continue
            for name in names:
                if tf not in self.subs[_key(name)]:
                    self.subs[_key(name)].append(tf)
                for parent_name in [tf.parent.name, *tf.parent.aliases]:
                    self.pairs[(_key(parent_name), _key(name))] = tf
        for label, national in SOURCE_FIELD_TO_NATIONAL.items():
            if _key(national) in self.tops:
                self.tops.setdefault(_key(label), self.tops[_key(national)])

    def find(self, text: str) -> tuple[TechField | None, str | None]:
        parts = [p for p in re.split(r"\s*[/／>＞]\s*", text) if p]
        if len(parts) == 2:
            found = self.pairs.get((_key(parts[0]), _key(parts[1])))
            if found:
                return found, None
        elif len(parts) == 1:
            found = self.tops.get(_key(text))
            if found:
                return found, None
            subs = self.subs.get(_key(text), [])
            if len(subs) == 1:
                return subs[0], None
            if len(subs) > 1:
                return None, _("技术领域“%(value)s”对应多个子领域，请写成“上级领域/子领域”。") % {
                    "value": text
                }
        return None, _("未知的技术领域“%(value)s”。") % {"value": text}


def _parse_date(value: Any, label: str, errors: list[str]) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    if not _DATE.match(text):
        errors.append(
            _("%(label)s“%(value)s”格式不正确，应为 YYYY-MM-DD。") % {"label": label, "value": text}
        )
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(_("%(label)s“%(value)s”不是有效日期。") % {"label": label, "value": text})
        return None


def _parse_amount(value: Any, unit: Decimal, label: str, errors: list[str]) -> Decimal | None:
    text = _text(value) if not isinstance(value, float) else repr(value)
    cleaned = re.sub(r"[,，\s]", "", text).lstrip("¥￥")
    if not _AMOUNT.match(cleaned):
        errors.append(_("%(label)s“%(value)s”不是有效的金额。") % {"label": label, "value": text})
        return None
    try:
        amount = Decimal(cleaned) * unit
    except InvalidOperation:
        errors.append(_("%(label)s“%(value)s”不是有效的金额。") % {"label": label, "value": text})
        return None
    if amount != amount.quantize(CENT):
        errors.append(
            _("%(label)s“%(value)s”折合成元后超过两位小数（精确到分）。")
            % {"label": label, "value": text}
        )
        return None
    if amount <= 0:
        errors.append(_("%(label)s必须大于 0。") % {"label": label})
        return None
    return amount.quantize(CENT)


def _check_code(validator, value: str, label: str, errors: list[str]) -> None:
    try:
        validator(value)
    except ValidationError as exc:
        for message in exc.messages:
            errors.append(_("%(label)s：%(message)s") % {"label": label, "message": message})


def _parse_row(number: int, cells: list[Any], header: Header, fields: TechFieldIndex) -> ParsedRow:
    errors: list[str] = []
    data: dict[str, Any] = {}

    def cell(key: str) -> Any:
        index = header.columns.get(key)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        return value.strip() if isinstance(value, str) else value

    def label(key: str) -> str:
        return COLUMNS[key][0]

    for key in REQUIRED:
        if _text(cell(key)) == "":
            errors.append(_("缺少%(label)s。") % {"label": label(key)})

    for key in TEXT_COLUMNS:
        value = _text(cell(key))
        max_length = TechContract._meta.get_field(CONTRACT_FIELDS[key]).max_length
        if len(value) > max_length:
            errors.append(
                _("%(label)s过长（最多 %(n)d 个字符）。") % {"label": label(key), "n": max_length}
            )
        data[CONTRACT_FIELDS[key]] = value

    type_text = _text(cell("contract_type"))
    if type_text:
        contract_type = _CONTRACT_TYPES.get(_key(type_text))
        if contract_type is None:
            errors.append(
                _(
                    "未知的合同类型“%(value)s”，应为：技术开发（委托）、技术开发（合作）、"
                    "技术转让、技术许可、技术咨询、技术服务。"
                )
                % {"value": type_text}
            )
        data["contract_type"] = contract_type

    for key in ("seller_credit_code", "buyer_credit_code"):
        if key not in header.columns:
            continue
        code = normalise_credit_code(_text(cell(key)))
        if code:
            _check_code(validate_credit_code, code, label(key), errors)
        data[key] = code

    for key in ("seller_region", "buyer_region"):
        region = _text(cell(key))
        if region:
            _check_code(validate_region_code, region, label(key), errors)
        data[key] = region

    if _text(cell("signed_on")):
        data["signed_on"] = _parse_date(cell("signed_on"), label("signed_on"), errors)

    amounts: dict[str, Decimal | None] = {}
    for key in AMOUNT_COLUMNS:
        if _text(cell(key)):
            unit = header.units.get(key, UNITS["元"])
            amounts[key] = _parse_amount(cell(key), unit, label(key), errors)
            data[key] = amounts[key]
    if amounts.get("contract_amount") and amounts.get("tech_amount"):
        if amounts["tech_amount"] > amounts["contract_amount"]:
            errors.append(
                _("技术交易额（%(tech)s 元）大于合同成交额（%(contract)s 元）。")
                % {"tech": amounts["tech_amount"], "contract": amounts["contract_amount"]}
            )

    if "field" in header.columns:
        field_text = _text(cell("field"))
        tech_field = None
        if field_text:
            tech_field, problem = fields.find(field_text)
            if problem:
                errors.append(problem)
        data["tech_field"] = tech_field

    status_text = _text(cell("status"))
    status = _STATUSES.get(_key(status_text)) if status_text else ContractStatus.SUBMITTED
    if status is None:
        errors.append(
            _("未知的登记状态“%(value)s”，应为：待登记、已登记、不予登记。")
            % {"value": status_text}
        )
    registration_no = _text(cell("registration_no"))
    registered_on_text = _text(cell("registered_on"))
    registered_on = None
    if registration_no and not REGISTRATION_NO_RE.match(registration_no):
        errors.append(_("登记编号“%(value)s”应为 16 位数字。") % {"value": registration_no})
    if registered_on_text:
        registered_on = _parse_date(cell("registered_on"), label("registered_on"), errors)
    if status == ContractStatus.REGISTERED:
        if not registration_no:
            errors.append(_("登记状态为已登记，但缺少登记编号。"))
        if not registered_on_text:
            errors.append(_("登记状态为已登记，但缺少登记日期。"))
        signed_on = data.get("signed_on")
        if registered_on and signed_on and registered_on < signed_on:
            errors.append(_("登记日期不能早于签订日期。"))
    elif status is not None and (registration_no or registered_on_text):
        if status_text:
            errors.append(
                _("登记状态为“%(status)s”的合同不应填写登记编号或登记日期。")
                % {"status": ContractStatus(status).label}
            )
        else:
            errors.append(_("未填写登记状态，却填写了登记编号或登记日期；已登记的请填写“已登记”。"))

    return ParsedRow(
        row=number,
        data=data,
        status=status or "",
        status_given="status" in header.columns,
        registration_no=registration_no,
        registered_on=registered_on,
        errors=errors,
    )


# --- writing ------------------------------------------------------------------------------
def _messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    out = []
    for name, errors in exc.message_dict.items():
        for message in errors:
            if name == NON_FIELD_ERRORS:
                out.append(message)
            else:
                out.append(
                    _("%(label)s：%(message)s") % {"label": _field_label(name), "message": message}
                )
    return out


def _field_label(name: str) -> str:
    for key, field_name in CONTRACT_FIELDS.items():
        if field_name == name:
            return COLUMNS[key][0]
    if name in COLUMNS:
        return COLUMNS[name][0]
    try:
        return str(TechContract._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _differences(contract: TechContract, row: ParsedRow) -> list[str]:
    """Labels of the row's values that differ from the contract (registration included)."""
    current = services.contract_snapshot(contract)
    labels = {f: COLUMNS[k][0] for k, f in CONTRACT_FIELDS.items()}
    changed = [
        labels[name]
        for name, value in row.data.items()
        if services.json_value(value) != current[name]
    ]
    if row.status_given and contract.status != row.status:
        changed.append(COLUMNS["status"][0])
    if row.status == ContractStatus.REGISTERED:
        if contract.registration_no != row.registration_no:
            changed.append(COLUMNS["registration_no"][0])
        if contract.registered_on != row.registered_on:
            changed.append(COLUMNS["registered_on"][0])
    return changed


def _move_to(
    contract: TechContract, row: ParsedRow, by: User | None, *, existed: bool
) -> TechContract:
    """Take an unregistered contract to the row's status through the workflow services.

    A new contract always gets it (待登记 when the file has no status column); an
    existing one keeps its status when the file does not say.
    """
    if row.status == contract.status or (existed and not row.status_given):
        return contract
    if contract.status in (ContractStatus.DRAFT, ContractStatus.REJECTED):
        contract = services.contract_submit(contract=contract, by=by)
    if row.status == ContractStatus.REGISTERED:
        contract = services.contract_register(
            contract=contract,
            registration_no=row.registration_no,
            registered_on=row.registered_on,
            by=by,
        )
    elif row.status == ContractStatus.REJECTED:
        contract = services.contract_reject(
            contract=contract, reason=_("线下导入：登记状态为不予登记。"), by=by
        )
    return contract


def _import_row(row: ParsedRow, report: ImportReport, by: User | None) -> None:
    existing = (
        TechContract.objects.select_for_update().filter(contract_no=row.data["contract_no"]).first()
    )
    if existing is None:
        contract = services.contract_create(data=row.data, by=by, source=ContractSource.OFFLINE)
        _move_to(contract, row, by, existed=False)
        report.created += 1
        return
    differences = _differences(existing, row)
    if not differences:
        report.unchanged += 1
        return
    if existing.status == ContractStatus.REGISTERED:
        raise ValidationError(
            _(
                "合同 %(no)s 已登记，不能通过导入修改（不同之处：%(fields)s）；"
                "登记后的变化请办理合同变更或注销。"
            )
            % {"no": existing.contract_no, "fields": "、".join(differences)}
        )
    contract = services.contract_update(contract=existing, data=row.data, by=by)
    _move_to(contract, row, by, existed=True)
    report.updated += 1


def import_contracts(
    *,
    content: bytes | BinaryIO,
    name: str,
    dry_run: bool = False,
    by: User | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a contract spreadsheet; ``name`` (the file name) tells CSV from XLSX.

    ``progress(done, total)`` is called every 50 data rows and at the end (the
    background job shows it). Raises ``ImportFileError`` when the file as a whole
    cannot be used.
    """
    if not isinstance(content, bytes):
        content = content.read()
    rows = _read_rows(content, name)
    if not rows:
        raise ImportFileError(_("文件是空的：第 1 行应为表头。"))
    header = _parse_header(rows[0])
    fields = TechFieldIndex()
    report = ImportReport(dry_run=dry_run)
    first_seen: dict[str, int] = {}

    with transaction.atomic():
        total = len(rows) - 1
        for number, cells in enumerate(rows[1:], start=2):
            if progress and (number - 1) % 50 == 0:
                progress(number - 1, total)
            if all(_text(c) == "" for c in cells):
                continue
            row = _parse_row(number, cells, header, fields)
            contract_no = row.data.get("contract_no")
            if contract_no:
                if contract_no in first_seen:
                    row.errors.append(
                        _("合同编号 %(no)s 与第 %(row)d 行重复，同一文件中合同编号不能重复。")
                        % {"no": contract_no, "row": first_seen[contract_no]}
                    )
                else:
                    first_seen[contract_no] = number
            if not row.errors:
                try:
                    with transaction.atomic():
                        _import_row(row, report, by)
                except ValidationError as exc:  # DomainError included
                    row.errors.extend(_messages(exc))
            if row.errors:
                report.rejected.append(RejectedRow(row=number, errors=row.errors))
        if dry_run:
            transaction.set_rollback(True)
    if progress:
        progress(total, total)
    return report
