"""How a listing's values read on the review pages: code-list ids as names, money, choices.

The current values of a listing and the proposed values of a revision are put in
the same JSON shape (the one ``ListingRevision.data`` uses) and formatted by the
same code, so a field shows as changed only when what the reviewer reads changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib.html import sanitize_html
from marketplace.models import (
    Achievement,
    CooperationMode,
    Disclosure,
    Industry,
    IPItem,
    IPType,
    ListingEvent,
    ListingRevision,
    TechField,
)
from marketplace.services.listings import EDITABLE_FIELDS, RICH_TEXT_FIELDS, to_json
from marketplace.templatetags.money import money

EMPTY = "—"
MONEY_FIELDS = {"price", "budget_min", "budget_max"}

# ListingEvent.action codes written by marketplace.services.listings.
EVENT_ACTIONS = {
    "create": gettext_lazy("创建"),
    "submit": gettext_lazy("提交审核"),
    "approve": gettext_lazy("审核通过"),
    "return": gettext_lazy("退回"),
    "revise": gettext_lazy("提交修改"),
    "revision_approve": gettext_lazy("修改通过"),
    "revision_return": gettext_lazy("修改退回"),
    "archive": gettext_lazy("归档"),
    "expire": gettext_lazy("到期归档"),
}


def listing_values(listing) -> dict[str, Any]:
    """The listing's editable values in the JSON shape of ``ListingRevision.data``."""
    model = type(listing)
    raw: dict[str, Any] = {}
    for name in EDITABLE_FIELDS[model]:
        if name == "cooperation_modes":
            raw[name] = [mode.pk for mode in listing.cooperation_modes.all()]
        elif name == "ip_items":
            raw[name] = [
                {"ip_type": item.ip_type_id, "number": item.number, "status": item.status}
                for item in listing.ip_items.all()
            ]
        else:
            raw[name] = getattr(listing, model._meta.get_field(name).attname)
    return to_json(model, raw)


class CodeNames:
    """Names of the code-list entries that some sets of values refer to, loaded in one go."""

    def __init__(self, *value_sets: dict[str, Any]):
        ids: dict[str, set[int]] = {"tech": set(), "industry": set(), "mode": set(), "ip": set()}
        for values in value_sets:
            ids["tech"].update(_ints([values.get("tech_field")]))
            ids["industry"].update(_ints([values.get("industry")]))
            ids["mode"].update(_ints(values.get("cooperation_modes") or []))
            ids["ip"].update(
                _ints(
                    [i.get("ip_type") for i in values.get("ip_items") or [] if isinstance(i, dict)]
                )
            )
        self.tech = TechField.objects.select_related("parent").in_bulk(ids["tech"])
        self.industry = Industry.objects.select_related("parent").in_bulk(ids["industry"])
        self.mode = CooperationMode.objects.in_bulk(ids["mode"])
        self.ip = IPType.objects.in_bulk(ids["ip"])


def _ints(values) -> list[int]:
    out = []
    for value in values:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out


def _name(table: dict[int, Any], value: Any) -> str:
    try:
        entry = table.get(int(value))
    except (TypeError, ValueError):
        entry = None
    if entry is None:
        return _("未知代码 %(id)s") % {"id": value}
    if not getattr(entry, "is_active", True):
        return _("%(name)s（已停用）") % {"name": entry}
    return str(entry)


def field_label(model, name: str) -> str:
    if name == "ip_items":
        return capfirst(IPItem._meta.verbose_name_plural)
    return capfirst(model._meta.get_field(name).verbose_name)


def display_value(model, name: str, value: Any, names: CodeNames) -> str | SafeString:
    """One value as the reviewer should read it."""
    if name == "price" and value in (None, ""):
        return _("面议")
    if value in (None, "", [], {}):
        return EMPTY
    if name == "tech_field":
        return _name(names.tech, value)
    if name == "industry":
        return _name(names.industry, value)
    if name == "cooperation_modes":
        return "、".join(_name(names.mode, pk) for pk in value)
    if name == "ip_items":
        statuses = dict(IPItem.Status.choices)
        parts = []
        for item in value:
            text = f"{_name(names.ip, item.get('ip_type'))} {item.get('number') or ''}".strip()
            if item.get("status"):
                text += f"（{statuses.get(item['status'], item['status'])}）"
            parts.append(text)
        return "；".join(parts)
    if name == "keywords":
        return "、".join(str(word) for word in value)
    if name == "trl":
        return f"TRL {value}"
    if name == "disclosure":
        return str(dict(Disclosure.choices).get(value, value))
    if name in MONEY_FIELDS:
        try:
            return money(Decimal(str(value)))
        except (InvalidOperation, ValueError):
            return str(value)
    if name in RICH_TEXT_FIELDS and model is Achievement:
        # Stored rich text is sanitised on save; proposed text is sanitised here for display.
        return mark_safe(sanitize_html(str(value)))
    return str(value)


@dataclass
class FieldRow:
    name: str
    label: str
    value: str | SafeString


@dataclass
class DiffRow:
    name: str
    label: str
    current: str | SafeString
    proposed: str | SafeString

    @property
    def changed(self) -> bool:
        return str(self.current) != str(self.proposed)


def listing_rows(listing) -> list[FieldRow]:
    """Every editable field of a listing, for the review page."""
    model = type(listing)
    values = listing_values(listing)
    names = CodeNames(values)
    return [
        FieldRow(name, field_label(model, name), display_value(model, name, value, names))
        for name, value in values.items()
    ]


def revision_diff(listing, revision: ListingRevision) -> list[DiffRow]:
    """Current against proposed, field by field, for the fields the revision carries."""
    model = type(listing)
    current = listing_values(listing)
    proposed = {k: v for k, v in (revision.data or {}).items() if k in EDITABLE_FIELDS[model]}
    names = CodeNames(current, proposed)
    return [
        DiffRow(
            name,
            field_label(model, name),
            display_value(model, name, current.get(name), names),
            display_value(model, name, proposed[name], names),
        )
        for name in EDITABLE_FIELDS[model]
        if name in proposed
    ]


@dataclass
class TimelineRow:
    when: Any
    who: str
    action: str
    from_status: str
    to_status: str
    reason: str


def timeline(events: list[ListingEvent]) -> list[TimelineRow]:
    """The listing's ListingEvent rows: who, when, from, to, why (spec §3)."""
    return [
        TimelineRow(
            when=event.created_at,
            who=str(event.actor) if event.actor_id else _("系统"),
            action=str(EVENT_ACTIONS.get(event.action, event.action)),
            from_status=event.get_from_status_display(),
            to_status=event.get_to_status_display(),
            reason=event.reason,
        )
        for event in events
    ]
