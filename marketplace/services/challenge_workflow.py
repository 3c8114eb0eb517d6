"""What every challenge service shares: the row lock, the timeline entry, state and role
checks, the quality checklist and notifications (spec §4).

Each transition service locks the challenge (``select_for_update``), checks the current
state, saves only what it changes and writes one ``ChallengeEvent``; the event list is
the challenge's public timeline. ``by=None`` means the system (the scheduled tasks).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from functools import partial

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.selectors import is_bureau_staff
from lib.errors import DomainError, NotAllowed
from marketplace.models import Challenge, ChallengeEvent, Notification

ZERO = Decimal("0.00")


def now_or(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def locked(challenge: Challenge) -> Challenge:
    return Challenge.objects.select_for_update().select_related("organisation").get(pk=challenge.pk)


def log(
    challenge: Challenge,
    *,
    by: User | None,
    action: str,
    from_status: str,
    reason: str = "",
) -> ChallengeEvent:
    return ChallengeEvent.objects.create(
        challenge=challenge,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=challenge.status,
        reason=(reason or "")[:500],
    )


def check_state(challenge: Challenge, allowed: Iterable[str], action: str) -> None:
    if challenge.status not in tuple(allowed):
        raise DomainError(
            _("榜单当前状态为“%(status)s”，不能%(action)s。")
            % {"status": challenge.get_status_display(), "action": action}
        )


def check_staff(by: User | None, *, system_allowed: bool = False) -> None:
    """Bureau staff only (the review, the experts, the result, the award: spec §1)."""
    if by is None and system_allowed:
        return
    if by is None or not is_bureau_staff(by):
        raise NotAllowed(_("只有科技局工作人员可以进行此操作。"))


def required_reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(message)
    return reason[:500]


# --- the quality checklist (spec §4: before publishing) ---------------------------------------
def checklist(challenge: Challenge, *, now: dt.datetime | None = None) -> list[str]:
    """Every checklist item the challenge fails, as messages for its issuer (empty = ready)."""
    now = now_or(now)
    problems: list[str] = []
    if not challenge.kpis.filter(target_value__isnull=False).exists():
        problems.append(_("至少填写一项有目标值的量化考核指标。"))
    if challenge.bounty_total <= ZERO:
        problems.append(_("榜金总额必须大于 0。"))
    if challenge.application_deadline is None:
        problems.append(_("请填写申报截止时间。"))
    elif challenge.application_deadline <= now:
        problems.append(_("申报截止时间必须晚于当前时间。"))
    weights = challenge.criteria.aggregate(total=Sum("weight"))["total"] or 0
    if not challenge.criteria.exists():
        problems.append(_("请填写评审指标及权重。"))
    elif weights != 100:
        problems.append(_("评审指标权重合计须为 100，当前为 %(total)d。") % {"total": weights})
    return problems


def check_checklist(challenge: Challenge, *, now: dt.datetime | None = None) -> None:
    problems = checklist(challenge, now=now)
    if problems:
        raise DomainError(problems, code="checklist")


# --- notifications ----------------------------------------------------------------------------
def enqueue_emails(notification_ids: list[int]) -> None:
    # The deals' task e-mails any notices; reused so a notice is mailed once, the same way.
    from marketplace.services.deals import enqueue_emails as enqueue

    enqueue(notification_ids)


def organisation_member_ids(organisation_ids: Iterable[int]) -> set[int]:
    return set(
        Membership.objects.filter(
            organisation_id__in=list(organisation_ids), user__is_active=True
        ).values_list("user_id", flat=True)
    )


def notify(
    challenge: Challenge,
    *,
    verb: str,
    users: Iterable[int] = (),
    organisations: Iterable[int] = (),
    exclude: User | None = None,
    url: str | None = None,
) -> list[int]:
    """In-site notices about the challenge, once per person, e-mailed after the commit."""
    recipients = set(users) | organisation_member_ids(organisations)
    recipients.discard(None)
    if exclude is not None:
        recipients.discard(exclude.pk)
    if not recipients:
        return []
    url = url or challenge.get_absolute_url()
    notices = Notification.objects.bulk_create(
        [Notification(recipient_id=uid, verb=verb[:200], url=url) for uid in sorted(recipients)]
    )
    ids = [n.pk for n in notices if n.pk is not None]
    if len(ids) < len(notices):  # a backend that does not return ids from bulk_create
        ids = list(
            Notification.objects.filter(
                recipient_id__in=recipients, verb=verb[:200], url=url, emailed_at__isnull=True
            ).values_list("pk", flat=True)
        )
    transaction.on_commit(partial(enqueue_emails, ids))
    return ids
