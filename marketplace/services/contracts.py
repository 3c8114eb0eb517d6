"""Technology contracts and their registration (spec §6), and the yearly target (spec §7).

Registration: draft → submitted → registered | rejected; a rejected contract may be
corrected and submitted again. One service per transition: it checks who is asking
and the current state, locks the row, saves only what it changes and writes a
``ContractEvent``. A registered contract is never edited: ``contract_amend`` and
``contract_cancel`` add a ``ContractAdjustment`` that counts from its own date.

``by=None`` means the system acting on the bureau's behalf (the offline import
run by an operator, scheduled tasks); every person is checked.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.selectors import is_bureau_staff, organisation_ids_of
from lib.errors import DomainError, NotAllowed
from marketplace import rollups
from marketplace.ledger import amounts_in_force, year_in_range
from marketplace.models import (
    AdjustmentKind,
    ContractAdjustment,
    ContractEvent,
    ContractSource,
    ContractStatus,
    Target,
    TechContract,
)

# What a contract's author fills in; everything else is registration state.
EDITABLE_FIELDS = (
    "contract_no",
    "title",
    "contract_type",
    "seller_name",
    "seller_credit_code",
    "seller_region",
    "buyer_name",
    "buyer_credit_code",
    "buyer_region",
    "signed_on",
    "valid_from",
    "valid_until",
    "contract_amount",
    "tech_amount",
    "tech_field",
    "payment_method",
    "achievement",
    "need",
)
FOREIGN_KEYS = {"tech_field", "achievement", "need"}
UNREGISTERED = {ContractStatus.DRAFT, ContractStatus.SUBMITTED, ContractStatus.REJECTED}


# --- helpers ---------------------------------------------------------------------------
def json_value(value: Any) -> Any:
    """A field value as JSON: money as a two-decimal string, dates ISO, objects by id."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    return value


def contract_snapshot(contract: TechContract) -> dict[str, Any]:
    """The editable values of a contract as JSON (ids for links, strings for money and dates)."""
    out = {}
    for name in EDITABLE_FIELDS:
        attname = f"{name}_id" if name in FOREIGN_KEYS else name
        out[name] = json_value(getattr(contract, attname))
    return out


def _apply(contract: TechContract, data: dict[str, Any]) -> list[str]:
    """Set the given editable fields; return the attribute names that changed."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on a contract: {', '.join(sorted(unknown))}")
    changed: list[str] = []
    for name, value in data.items():
        if name in FOREIGN_KEYS:
            attname = f"{name}_id"
            value = value.pk if isinstance(value, models.Model) else value
        else:
            attname = name
            field = TechContract._meta.get_field(name)
            if isinstance(value, str):
                value = value.strip()
            if value in (None, ""):
                # Blank text stays "", a blank date or amount is None (full_clean decides).
                value = "" if isinstance(field, models.CharField) else None
            else:
                try:
                    value = field.to_python(value)
                except ValidationError as exc:
                    raise ValidationError({name: exc.messages}) from exc
        if getattr(contract, attname) != value:
            setattr(contract, attname, value)
            changed.append(attname)
    return changed


def _log(
    contract: TechContract,
    *,
    by: User | None,
    action: str,
    from_status: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> ContractEvent:
    return ContractEvent.objects.create(
        contract=contract,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=contract.status,
        before=before or {},
        after=after or {},
        reason=reason,
    )


def _locked(contract: TechContract) -> TechContract:
    return TechContract.objects.select_for_update().get(pk=contract.pk)


def can_edit_contract(user: User | None, contract: TechContract) -> bool:
    """Bureau staff, or a member of the seller's or buyer's organisation (by credit code)."""
    if user is None:
        return True
    if is_bureau_staff(user):
        return True
    codes = {c for c in (contract.seller_credit_code, contract.buyer_credit_code) if c}
    if not codes or not user.is_authenticated:
        return False
    return Organisation.objects.filter(
        pk__in=organisation_ids_of(user), credit_code__in=codes
    ).exists()


def _check_party(by: User | None, contract: TechContract) -> None:
    if not can_edit_contract(by, contract):
        raise NotAllowed(_("只有合同当事方机构的成员或科技局工作人员可以操作该合同。"))


def _check_registrar(by: User | None) -> None:
    """Registration, rejection, amendment and cancellation are the bureau's (spec §1)."""
    if by is not None and not is_bureau_staff(by):
        raise NotAllowed(_("只有科技局工作人员可以办理合同登记、变更和注销。"))


def _check_state(contract: TechContract, allowed: set[str], action: str) -> None:
    if contract.status not in allowed:
        raise DomainError(
            _("合同当前状态为“%(status)s”，不能%(action)s。")
            % {"status": contract.get_status_display(), "action": action}
        )


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message)
    return reason


# --- the contract's author ---------------------------------------------------------------
@transaction.atomic
def contract_create(
    *,
    data: dict[str, Any],
    by: User | None,
    source: str = ContractSource.ONLINE,
) -> TechContract:
    """A draft contract from ``data`` (the editable fields), validated in full."""
    if source == ContractSource.OFFLINE and by is not None and not is_bureau_staff(by):
        raise NotAllowed(_("只有科技局工作人员可以录入线下合同。"))
    contract = TechContract(status=ContractStatus.DRAFT, source=source, created_by=by)
    _apply(contract, data)
    contract.full_clean()
    _check_party(by, contract)
    contract.save()
    _log(
        contract,
        by=by,
        action="create",
        from_status="",
        after=contract_snapshot(contract),
    )
    return contract


@transaction.atomic
def contract_update(
    *, contract: TechContract, data: dict[str, Any], by: User | None
) -> TechContract:
    """Change a contract that is not registered; a registered one is never edited (spec §6)."""
    locked = _locked(contract)
    _check_party(by, locked)
    if locked.status == ContractStatus.REGISTERED:
        raise DomainError(_("已登记的合同不能修改；如有变化，请办理合同变更或注销。"))
    before = contract_snapshot(locked)
    changed = _apply(locked, data)
    locked.full_clean()
    _check_party(by, locked)  # the new parties must still include the editor
    if not changed:
        return locked
    locked.save(update_fields=[*changed, "updated_at"])
    after = contract_snapshot(locked)
    _log(
        locked,
        by=by,
        action="update",
        from_status=locked.status,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return locked


@transaction.atomic
def contract_submit(*, contract: TechContract, by: User | None) -> TechContract:
    """Submit for registration (认定登记); a rejected contract may be submitted again."""
    locked = _locked(contract)
    _check_party(by, locked)
    _check_state(locked, {ContractStatus.DRAFT, ContractStatus.REJECTED}, _("提交登记"))
    locked.full_clean()
    from_status = locked.status
    locked.status = ContractStatus.SUBMITTED
    locked.status_reason = ""
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["status", "status_reason", "submitted_at", "updated_at"])
    _log(locked, by=by, action="submit", from_status=from_status)
    return locked


# --- the bureau ------------------------------------------------------------------------
@transaction.atomic
def contract_register(
    *,
    contract: TechContract,
    registration_no: str,
    registered_on: dt.date,
    by: User | None,
) -> TechContract:
    """Register a submitted contract (bureau staff). Exactly once, even when two staff race."""
    _check_registrar(by)
    locked = _locked(contract)  # a second registrar waits here, then sees it registered
    if locked.status == ContractStatus.REGISTERED:
        raise DomainError(
            _("该合同已于 %(date)s 登记（登记编号 %(no)s），不能重复登记。")
            % {"date": locked.registered_on.isoformat(), "no": locked.registration_no}
        )
    _check_state(locked, {ContractStatus.SUBMITTED}, _("登记"))
    registration_no = (registration_no or "").strip()
    if (
        registration_no
        and TechContract.objects.filter(registration_no=registration_no)
        .exclude(pk=locked.pk)
        .exists()
    ):
        raise DomainError(
            _("登记编号 %(no)s 已被其他合同使用。") % {"no": registration_no},
            code="registration_no_taken",
        )
    from_status = locked.status
    locked.status = ContractStatus.REGISTERED
    locked.status_reason = ""
    locked.registration_no = registration_no
    locked.registered_on = registered_on
    locked.registered_by = by
    locked.full_clean()
    try:
        with transaction.atomic():
            locked.save(
                update_fields=[
                    "status",
                    "status_reason",
                    "registration_no",
                    "registered_on",
                    "registered_by",
                    "updated_at",
                ]
            )
    except IntegrityError as exc:  # another contract took the number meanwhile
        raise DomainError(
            _("登记编号 %(no)s 已被其他合同使用。") % {"no": registration_no},
            code="registration_no_taken",
        ) from exc
    _log(
        locked,
        by=by,
        action="register",
        from_status=from_status,
        after={"registration_no": registration_no, "registered_on": registered_on.isoformat()},
    )
    rollups.contract_registered(locked)  # the dashboard's rollups, in this transaction
    # A contract signed through a deal moves that deal to "registered" (spec §6).
    from marketplace.services.deals import deal_on_contract_registered

    deal_on_contract_registered(contract=locked)
    return locked


@transaction.atomic
def contract_reject(*, contract: TechContract, reason: str, by: User | None) -> TechContract:
    """Refuse registration (不予登记) with a reason the submitter sees."""
    _check_registrar(by)
    reason = _reason(reason, _("请填写不予登记的原因，提交方会看到这条说明。"))
    locked = _locked(contract)
    _check_state(locked, {ContractStatus.SUBMITTED}, _("不予登记"))
    from_status = locked.status
    locked.status = ContractStatus.REJECTED
    locked.status_reason = reason[:500]
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    _log(locked, by=by, action="reject", from_status=from_status, reason=reason[:500])
    return locked


def _adjustable(contract: TechContract, *, effective_on: dt.date, action: str) -> TechContract:
    locked = _locked(contract)
    _check_state(locked, {ContractStatus.REGISTERED}, action)
    if locked.adjustments.filter(kind=AdjustmentKind.CANCELLATION).exists():
        raise DomainError(_("该合同已注销，不能再变更或注销。"))
    if effective_on < locked.registered_on:
        raise DomainError(
            _("生效日期不能早于登记日期 %(date)s。") % {"date": locked.registered_on.isoformat()}
        )
    return locked


def _amounts_json(amounts: tuple[Decimal, Decimal]) -> dict[str, str]:
    return {"contract_amount": json_value(amounts[0]), "tech_amount": json_value(amounts[1])}


@transaction.atomic
def contract_amend(
    *,
    contract: TechContract,
    effective_on: dt.date,
    contract_amount: Decimal,
    tech_amount: Decimal,
    reason: str,
    by: User | None,
) -> ContractAdjustment:
    """Record an amendment (变更) of a registered contract's amounts, from ``effective_on``."""
    _check_registrar(by)
    reason = _reason(reason, _("请填写变更的原因。"))
    locked = _adjustable(contract, effective_on=effective_on, action=_("变更"))
    before = amounts_in_force(locked, on=effective_on)
    adjustment = ContractAdjustment(
        contract=locked,
        kind=AdjustmentKind.AMENDMENT,
        effective_on=effective_on,
        contract_amount=contract_amount,
        tech_amount=tech_amount,
        reason=reason[:500],
        created_by=by,
    )
    adjustment.full_clean()
    if before is not None and (adjustment.contract_amount, adjustment.tech_amount) == before:
        raise DomainError(_("变更后的金额与变更前相同。"))
    adjustment.save()
    rollups.contract_adjusted(locked, adjustment)
    _log(
        locked,
        by=by,
        action="amend",
        from_status=locked.status,
        before=_amounts_json(before) if before else {},
        after={
            **_amounts_json((adjustment.contract_amount, adjustment.tech_amount)),
            "effective_on": effective_on.isoformat(),
        },
        reason=adjustment.reason,
    )
    return adjustment


@transaction.atomic
def contract_cancel(
    *, contract: TechContract, effective_on: dt.date, reason: str, by: User | None
) -> ContractAdjustment:
    """Record a cancellation (注销): the contract stops counting from ``effective_on``."""
    _check_registrar(by)
    reason = _reason(reason, _("请填写注销的原因。"))
    locked = _adjustable(contract, effective_on=effective_on, action=_("注销"))
    adjustment = ContractAdjustment(
        contract=locked,
        kind=AdjustmentKind.CANCELLATION,
        effective_on=effective_on,
        reason=reason[:500],
        created_by=by,
    )
    adjustment.full_clean()
    adjustment.save()
    rollups.contract_adjusted(locked, adjustment)
    _log(
        locked,
        by=by,
        action="cancel",
        from_status=locked.status,
        after={"effective_on": effective_on.isoformat()},
        reason=adjustment.reason,
    )
    return adjustment


@transaction.atomic
def target_save(
    *,
    year: int,
    by: User | None,
    amount: Decimal | None = None,
    district_code: str | None = None,
    measure: str | None = None,
    basis: str | None = None,
) -> Target:
    """Create or change a year's target (bureau staff); values not given stay as they are."""
    if by is not None and not is_bureau_staff(by):
        raise NotAllowed(_("只有科技局工作人员可以设定年度目标。"))
    if not year_in_range(year):
        raise DomainError(_("年度须在 1 到 9999 之间。"))
    target = Target.objects.select_for_update().filter(year=year).first() or Target(year=year)
    previous_district = target.district_code
    for name, value in (
        ("amount", amount),
        ("district_code", district_code),
        ("measure", measure),
        ("basis", basis),
    ):
        if value is not None:
            setattr(target, name, value)
    target.updated_by = by
    target.full_clean()
    target.save()
    if target.district_code != previous_district:
        rollups.target_district_changed(year)  # which contracts count depends on it
    return target
