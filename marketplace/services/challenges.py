"""Challenges (揭榜挂帅, spec §4): writing one, and its lifecycle up to the deadline.

draft → under_review (issuer submits; the quality checklist is enforced) → published
(bureau approves; or back to draft with a reason) → closed (at the application
deadline, by the scheduled task or bureau staff; never before it) … → cancelled with a
reason at any point before the award. The review, result and award are in
``challenge_reviews`` and ``challenge_awards``; the shared helpers in ``challenge_workflow``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, OrganisationKind, User
from accounts.selectors import is_bureau_staff
from lib.errors import DomainError, NotAllowed
from marketplace import selectors_challenges as sel
from marketplace.models import (
    MAX_KEYWORDS,
    ApplicationStatus,
    Challenge,
    ChallengeAttachment,
    ChallengeCriterion,
    ChallengeKPI,
    ChallengeStatus,
)
from marketplace.services.challenge_workflow import (
    check_checklist,
    check_staff,
    check_state,
    locked,
    log,
    notify,
    now_or,
    required_reason,
)
from marketplace.uploads import file_size, validate_pdf

# What the issuer fills in; everything else is workflow state.
EDITABLE_FIELDS = (
    "title",
    "background",
    "research_content",
    "deliverables",
    "execution_start",
    "execution_end",
    "bounty_enterprise",
    "bounty_subsidy",
    "eligibility",
    "required_materials",
    "application_deadline",
    "publicity_days",
    "tech_field",
    "industry",
    "keywords",
    "contact_name",
    "contact_phone",
    "contact_email",
    "source_need",
)
FOREIGN_KEYS = {"tech_field", "industry", "source_need"}
MAX_KPIS = 20
MAX_CRITERIA = 12
MAX_ATTACHMENTS = 8


# --- the issuer's data ------------------------------------------------------------------------
def _apply(challenge: Challenge, data: dict[str, Any]) -> list[str]:
    """Set the given editable fields; return the attribute names that changed."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on a challenge: {', '.join(sorted(unknown))}")
    changed: list[str] = []
    for name, value in data.items():
        if name in FOREIGN_KEYS:
            attname = f"{name}_id"
            value = value.pk if isinstance(value, models.Model) else value
        else:
            attname = name
            field = Challenge._meta.get_field(name)
            if name == "keywords":
                value = _clean_keywords(value)
            elif isinstance(value, str):
                value = value.strip()
            if name in ("bounty_enterprise", "bounty_subsidy") and value in (None, ""):
                value = Decimal("0.00")  # an empty share is none of the bounty
            elif value in (None, "") and not isinstance(field, models.JSONField):
                value = "" if isinstance(field, (models.CharField, models.TextField)) else None
            elif name != "keywords":
                try:
                    value = field.to_python(value)
                except ValidationError as exc:
                    raise ValidationError({name: exc.messages}) from exc
        if getattr(challenge, attname) != value:
            setattr(challenge, attname, value)
            changed.append(attname)
    return changed


def _clean_keywords(value) -> list[str]:
    words: list[str] = []
    for word in value or []:
        word = str(word).strip()
        if word and word not in words:
            words.append(word[:20])
    if len(words) > MAX_KEYWORDS:
        raise DomainError(_("关键词最多 %(n)d 个。") % {"n": MAX_KEYWORDS})
    return words


def _decimal_or_none(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise DomainError(_("考核指标的目标值须为数字。")) from None


def _write_kpis(challenge: Challenge, kpis: list[dict[str, Any]]) -> None:
    if len(kpis) > MAX_KPIS:
        raise DomainError(_("考核指标最多 %(n)d 项。") % {"n": MAX_KPIS})
    rows = []
    for position, item in enumerate(kpis):
        row = ChallengeKPI(
            challenge=challenge,
            indicator=(item.get("indicator") or "").strip(),
            comparator=item.get("comparator") or ChallengeKPI.Comparator.AT_LEAST,
            target_value=_decimal_or_none(item.get("target_value")),
            unit=(item.get("unit") or "").strip(),
            position=position,
        )
        row.full_clean(exclude=["challenge"])
        rows.append(row)
    challenge.kpis.all().delete()
    ChallengeKPI.objects.bulk_create(rows)


def _write_criteria(challenge: Challenge, criteria: list[dict[str, Any]]) -> None:
    if len(criteria) > MAX_CRITERIA:
        raise DomainError(_("评审指标最多 %(n)d 项。") % {"n": MAX_CRITERIA})
    rows = []
    for position, item in enumerate(criteria):
        row = ChallengeCriterion(
            challenge=challenge,
            name=(item.get("name") or "").strip(),
            description=(item.get("description") or "").strip(),
            weight=item.get("weight"),
            position=position,
        )
        row.full_clean(exclude=["challenge"])
        rows.append(row)
    challenge.criteria.all().delete()
    ChallengeCriterion.objects.bulk_create(rows)


def _check_editor(by: User, challenge: Challenge) -> None:
    if not sel.can_edit_challenge(by, challenge):
        raise NotAllowed(_("只有发榜单位的成员可以操作该榜单。"))


@transaction.atomic
def challenge_create(
    *,
    organisation: Organisation,
    by: User,
    data: dict[str, Any],
    kpis: list[dict[str, Any]] = (),
    criteria: list[dict[str, Any]] = (),
) -> Challenge:
    """A draft challenge by an enterprise member, or by bureau staff on an enterprise's behalf."""
    if organisation in sel.issuing_organisations(by):
        on_behalf = False
    elif is_bureau_staff(by) and organisation.kind == OrganisationKind.ENTERPRISE:
        on_behalf = True
    else:
        raise NotAllowed(_("您不能以该机构的名义发布榜单。"))
    challenge = Challenge(
        organisation=organisation,
        created_by=by,
        issued_by_bureau=on_behalf,
        status=ChallengeStatus.DRAFT,
    )
    _apply(challenge, data)
    challenge.full_clean()
    challenge.save()
    _write_kpis(challenge, list(kpis))
    _write_criteria(challenge, list(criteria))
    log(
        challenge,
        by=by,
        action="create",
        from_status="",
        reason=_("科技局代 %(org)s 发榜") % {"org": organisation.name} if on_behalf else "",
    )
    return challenge


@transaction.atomic
def challenge_update(
    *,
    challenge: Challenge,
    by: User,
    data: dict[str, Any],
    kpis: list[dict[str, Any]] | None = None,
    criteria: list[dict[str, Any]] | None = None,
) -> Challenge:
    """Change a draft. A challenge under review or published is fixed (the terms are public)."""
    _check_editor(by, challenge)
    current = locked(challenge)
    check_state(current, (ChallengeStatus.DRAFT,), _("修改"))
    changed = _apply(current, data)
    current.full_clean()
    if changed:
        current.save(update_fields=[*changed, "updated_at"])
    if kpis is not None:
        _write_kpis(current, list(kpis))
    if criteria is not None:
        _write_criteria(current, list(criteria))
    return current


@transaction.atomic
def challenge_add_attachment(
    *, challenge: Challenge, by: User, file: IO[bytes], title: str = ""
) -> ChallengeAttachment:
    """A PDF attached to a draft: checked by ``marketplace.uploads``, stored under a random name."""
    _check_editor(by, challenge)
    current = locked(challenge)
    check_state(current, (ChallengeStatus.DRAFT,), _("添加附件"))
    if current.attachments.count() >= MAX_ATTACHMENTS:
        raise DomainError(_("每个榜单最多 %(n)d 个附件。") % {"n": MAX_ATTACHMENTS})
    validate_pdf(file)
    original = (getattr(file, "name", "") or "").rsplit("/", 1)[-1]
    attachment = ChallengeAttachment(
        challenge=current,
        title=((title or "").strip() or original or _("附件"))[:120],
        size=file_size(file),
    )
    attachment.file.save("attachment.pdf", file, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


@transaction.atomic
def challenge_remove_attachment(*, attachment: ChallengeAttachment, by: User) -> None:
    _check_editor(by, attachment.challenge)
    current = locked(attachment.challenge)
    check_state(current, (ChallengeStatus.DRAFT,), _("删除附件"))
    name, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- draft → under review → published | back to draft -----------------------------------------
@transaction.atomic
def challenge_submit(
    *, challenge: Challenge, by: User, now: dt.datetime | None = None
) -> Challenge:
    """Submit for review; every failing checklist item is reported at once."""
    _check_editor(by, challenge)
    current = locked(challenge)
    check_state(current, (ChallengeStatus.DRAFT,), _("提交审核"))
    current.full_clean()
    check_checklist(current, now=now)
    current.status = ChallengeStatus.UNDER_REVIEW
    current.status_reason = ""
    current.submitted_at = now_or(now)
    current.save(update_fields=["status", "status_reason", "submitted_at", "updated_at"])
    log(current, by=by, action="submit", from_status=ChallengeStatus.DRAFT)
    return current


@transaction.atomic
def challenge_approve(
    *, challenge: Challenge, by: User, now: dt.datetime | None = None
) -> Challenge:
    """Publish (发榜). The checklist is checked again: the deadline may have passed meanwhile."""
    check_staff(by)
    current = locked(challenge)
    check_state(current, (ChallengeStatus.UNDER_REVIEW,), _("审核通过"))
    if not current.organisation.is_verified:
        raise DomainError(_("发榜单位尚未通过认证，榜单暂不能发布。请先认证该机构。"))
    check_checklist(current, now=now)
    current.status = ChallengeStatus.PUBLISHED
    current.status_reason = ""
    current.published_at = now_or(now)
    current.save(update_fields=["status", "status_reason", "published_at", "updated_at"])
    log(current, by=by, action="approve", from_status=ChallengeStatus.UNDER_REVIEW)
    notify(
        current,
        verb=_("榜单“%(title)s”已审核通过并发榜") % {"title": current.title},
        organisations=[current.organisation_id],
        users=[current.created_by_id] if current.created_by_id else [],
        exclude=by,
    )
    return current


@transaction.atomic
def challenge_return(*, challenge: Challenge, by: User, reason: str) -> Challenge:
    """Back to draft with a reason the issuer sees."""
    check_staff(by)
    reason = required_reason(reason, _("请填写退回原因，发榜单位会看到这条说明。"))
    current = locked(challenge)
    check_state(current, (ChallengeStatus.UNDER_REVIEW,), _("退回"))
    current.status = ChallengeStatus.DRAFT
    current.status_reason = reason
    current.save(update_fields=["status", "status_reason", "updated_at"])
    log(current, by=by, action="return", from_status=ChallengeStatus.UNDER_REVIEW, reason=reason)
    notify(
        current,
        verb=_("榜单“%(title)s”被退回修改：%(reason)s")
        % {"title": current.title, "reason": reason},
        organisations=[current.organisation_id],
        users=[current.created_by_id] if current.created_by_id else [],
        exclude=by,
    )
    return current


# --- the deadline -----------------------------------------------------------------------------
def _applicant_users(challenge: Challenge) -> list[int]:
    return list(
        challenge.applications.filter(status=ApplicationStatus.SUBMITTED)
        .exclude(created_by=None)
        .values_list("created_by_id", flat=True)
    )


def _expert_users(challenge: Challenge) -> list[int]:
    return list(challenge.assignments.values_list("expert_id", flat=True))


@transaction.atomic
def challenge_close(
    *, challenge: Challenge, by: User | None = None, now: dt.datetime | None = None
) -> Challenge:
    """Applications close (申报截止) once the deadline has passed: the task, or bureau staff."""
    check_staff(by, system_allowed=True)
    now = now_or(now)
    current = locked(challenge)
    check_state(current, (ChallengeStatus.PUBLISHED,), _("截止申报"))
    if current.application_deadline and now < current.application_deadline:
        raise DomainError(_("申报截止时间未到，不能提前截止申报。"))
    current.status = ChallengeStatus.CLOSED
    current.closed_at = now
    current.save(update_fields=["status", "closed_at", "updated_at"])
    count = current.applications.filter(status=ApplicationStatus.SUBMITTED).count()
    log(
        current,
        by=by,
        action="close",
        from_status=ChallengeStatus.PUBLISHED,
        reason=_("共收到 %(n)d 份揭榜申请") % {"n": count},
    )
    notify(
        current,
        verb=_("榜单“%(title)s”已截止申报，共收到 %(n)d 份申请")
        % {"title": current.title, "n": count},
        organisations=[current.organisation_id],
        users=_applicant_users(current) + _expert_users(current),
        exclude=by,
    )
    return current


def deadline_reminder_due(challenge: Challenge, *, now: dt.datetime) -> bool:
    return (
        challenge.status == ChallengeStatus.PUBLISHED
        and challenge.deadline_reminded_at is None
        and challenge.application_deadline is not None
        and now < challenge.application_deadline <= now + sel.DEADLINE_REMINDER
    )


@transaction.atomic
def challenge_remind_deadline(*, challenge: Challenge, now: dt.datetime | None = None) -> bool:
    """The one "deadline approaching" notice (3 days before): the issuer and the applicants."""
    now = now_or(now)
    current = locked(challenge)
    if not deadline_reminder_due(current, now=now):
        return False
    current.deadline_reminded_at = now
    current.save(update_fields=["deadline_reminded_at"])
    notify(
        current,
        verb=_("榜单“%(title)s”将于 %(when)s 截止申报")
        % {
            "title": current.title,
            "when": timezone.localtime(current.application_deadline).strftime("%Y-%m-%d %H:%M"),
        },
        organisations=[current.organisation_id],
        users=_applicant_users(current),
    )
    return True


# --- cancellation -----------------------------------------------------------------------------
@transaction.atomic
def challenge_cancel(*, challenge: Challenge, by: User, reason: str) -> Challenge:
    """撤榜 with a reason, at any point before the award (the issuer only until it closes)."""
    reason = required_reason(reason, _("请填写撤榜原因，它会显示在榜单的公开记录中。"))
    current = locked(challenge)
    if not (sel.can_edit_challenge(by, current) or is_bureau_staff(by)):
        raise NotAllowed(_("只有发榜单位的成员或科技局工作人员可以撤榜。"))
    if not sel.can_cancel_challenge(by, current):
        if current.status in (
            ChallengeStatus.CLOSED,
            ChallengeStatus.EVALUATION,
            ChallengeStatus.PUBLICISED,
        ):
            raise NotAllowed(_("申报截止后，只有科技局工作人员可以撤榜。"))
        check_state(current, (), _("撤榜"))
    from_status = current.status
    current.status = ChallengeStatus.CANCELLED
    current.status_reason = reason
    current.cancelled_at = now_or(None)
    current.save(update_fields=["status", "status_reason", "cancelled_at", "updated_at"])
    current.applications.filter(is_winner=True).update(is_winner=False, award_amount=None)
    log(current, by=by, action="cancel", from_status=from_status, reason=reason)
    notify(
        current,
        verb=_("榜单“%(title)s”已撤榜：%(reason)s") % {"title": current.title, "reason": reason},
        organisations=[current.organisation_id],
        users=_applicant_users(current) + _expert_users(current),
        exclude=by,
    )
    return current


def challenge_record_view(*, challenge: Challenge) -> None:
    """Count a public page view without loading or locking the row."""
    Challenge.objects.filter(pk=challenge.pk).update(view_count=F("view_count") + 1)
