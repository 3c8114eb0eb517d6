"""Award (揭榜成功), execution (攻关) and acceptance (验收) of a challenge (spec §4, §6).

When the publicity period has ended, the challenge is awarded: for each winner a
technology-development contract draft (技术开发合同, commissioned) is created between the
issuer (buyer) and the winner (seller) through the contract services, for the winner's
share of the bounty, and linked to the challenge; the parties complete and submit it for
registration as any other contract. Then milestones with due dates carry the execution,
and bureau staff accept it (验收通过) or record that it failed.
"""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.selectors import is_bureau_staff, organisation_ids_of
from lib.errors import DomainError, NotAllowed
from marketplace import selectors_challenges as sel
from marketplace.models import (
    Challenge,
    ChallengeApplication,
    ChallengeMilestone,
    ChallengeStatus,
    ContractSource,
    ContractType,
    TechContract,
)
from marketplace.services import contracts as contract_services
from marketplace.services.challenge_workflow import (
    check_staff,
    check_state,
    locked,
    log,
    notify,
    now_or,
    required_reason,
)
from marketplace.uploads import validate_pdf

MAX_MILESTONES = 20


def contract_no_for(challenge: Challenge, application: ChallengeApplication) -> str:
    """A stable number for the draft (揭榜挂帅 = JBGS); the parties may change it before filing."""
    return f"JBGS-{challenge.pk:06d}-{application.pk:06d}"


def _party(prefix: str, organisation: Organisation) -> dict[str, str]:
    return {
        f"{prefix}_name": organisation.name,
        f"{prefix}_credit_code": organisation.credit_code,
        f"{prefix}_region": organisation.region_code,
    }


def _contract_for(
    challenge: Challenge, application: ChallengeApplication, *, by: User | None, today: dt.date
) -> TechContract:
    data = {
        "contract_no": contract_no_for(challenge, application),
        "title": _("%(title)s（揭榜挂帅技术开发合同）") % {"title": challenge.title[:170]},
        "contract_type": ContractType.DEVELOPMENT_COMMISSIONED,
        **_party("seller", application.organisation),
        **_party("buyer", challenge.organisation),
        # The signing date is the award date until the parties enter the real one.
        "signed_on": today,
        "valid_from": challenge.execution_start,
        "valid_until": challenge.execution_end,
        "contract_amount": application.award_amount,
        "tech_amount": application.award_amount,
        "tech_field": challenge.tech_field_id,
    }
    contract = contract_services.contract_create(data=data, by=by, source=ContractSource.ONLINE)
    # The link to the challenge is provenance, not an editable term: set it beside the service.
    TechContract.objects.filter(pk=contract.pk).update(challenge=challenge)
    contract.challenge = challenge
    return contract


@transaction.atomic
def challenge_award(
    *, challenge: Challenge, by: User | None, now: dt.datetime | None = None
) -> list[TechContract]:
    """揭榜成功 once publicity has ended (staff, or the scheduled task with ``by=None``)."""
    check_staff(by, system_allowed=True)
    now = now_or(now)
    current = locked(challenge)
    check_state(current, (ChallengeStatus.PUBLICISED,), _("确认揭榜成功"))
    if current.publicity_ends_at and now < current.publicity_ends_at:
        raise DomainError(
            _("公示期至 %(when)s 结束，公示期满后才能确认揭榜成功。")
            % {"when": timezone.localtime(current.publicity_ends_at).strftime("%Y-%m-%d %H:%M")}
        )
    winners = list(
        current.applications.filter(is_winner=True).select_related("organisation").order_by("id")
    )
    if not winners:
        raise DomainError(_("该榜单没有确定的揭榜单位。"))
    today = timezone.localdate(now)
    contracts = [_contract_for(current, w, by=by, today=today) for w in winners]
    current.status = ChallengeStatus.AWARDED
    current.awarded_at = now
    current.save(update_fields=["status", "awarded_at", "updated_at"])
    names = "、".join(w.organisation.name for w in winners)
    log(
        current,
        by=by,
        action="award",
        from_status=ChallengeStatus.PUBLICISED,
        reason=_("揭榜单位：%(names)s") % {"names": names},
    )
    notify(
        current,
        verb=_("榜单“%(title)s”揭榜成功：%(names)s，技术开发合同草稿已生成")
        % {"title": current.title, "names": names},
        organisations=[current.organisation_id],
        users=[w.created_by_id for w in winners if w.created_by_id],
        exclude=by,
    )
    return contracts


# --- execution --------------------------------------------------------------------------------
def can_plan(user: User, challenge: Challenge) -> bool:
    """Milestones are set by the issuer or bureau staff."""
    return is_bureau_staff(user) or sel.can_edit_challenge(user, challenge)


@transaction.atomic
def milestone_add(
    *, challenge: Challenge, by: User, title: str, due_on: dt.date
) -> ChallengeMilestone:
    if not can_plan(by, challenge):
        raise NotAllowed(_("只有发榜单位的成员或科技局工作人员可以设置攻关节点。"))
    current = locked(challenge)
    check_state(current, (ChallengeStatus.AWARDED, ChallengeStatus.IN_EXECUTION), _("设置攻关节点"))
    if current.milestones.count() >= MAX_MILESTONES:
        raise DomainError(_("攻关节点最多 %(n)d 个。") % {"n": MAX_MILESTONES})
    milestone = ChallengeMilestone(challenge=current, title=(title or "").strip(), due_on=due_on)
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def execution_start(*, challenge: Challenge, by: User) -> Challenge:
    """揭榜成功 → 攻关: the milestones are set and the work starts."""
    if not can_plan(by, challenge):
        raise NotAllowed(_("只有发榜单位的成员或科技局工作人员可以启动攻关。"))
    current = locked(challenge)
    check_state(current, (ChallengeStatus.AWARDED,), _("启动攻关"))
    if not current.milestones.exists():
        raise DomainError(_("请先设置至少一个攻关节点（名称与计划完成日期）。"))
    current.status = ChallengeStatus.IN_EXECUTION
    current.save(update_fields=["status", "updated_at"])
    log(current, by=by, action="start_execution", from_status=ChallengeStatus.AWARDED)
    return current


def _is_winner_member(user: User, challenge: Challenge) -> bool:
    return (
        user.is_authenticated
        and challenge.applications.filter(
            is_winner=True, organisation_id__in=organisation_ids_of(user)
        ).exists()
    )


def can_report(user: User, challenge: Challenge) -> bool:
    """The winning team reports milestones (bureau staff may record them for it)."""
    return _is_winner_member(user, challenge) or is_bureau_staff(user)


@transaction.atomic
def milestone_complete(
    *,
    milestone: ChallengeMilestone,
    by: User,
    evidence: str,
    file: IO[bytes] | None = None,
    now: dt.datetime | None = None,
) -> ChallengeMilestone:
    """The winner reports a milestone done, with evidence (text and, optionally, a PDF)."""
    current = locked(milestone.challenge)
    if not can_report(by, current):
        raise NotAllowed(_("只有揭榜单位的成员可以提交攻关节点的完成情况。"))
    check_state(current, (ChallengeStatus.IN_EXECUTION,), _("提交节点完成情况"))
    row = ChallengeMilestone.objects.select_for_update().get(pk=milestone.pk)
    if row.done_at is not None:
        raise DomainError(_("该节点已标记完成。"))
    evidence = (evidence or "").strip()
    if not evidence:
        raise DomainError(_("请填写完成情况，说明达到的指标与佐证材料。"))
    row.evidence = evidence
    row.done_at = now_or(now)
    row.done_by = by
    fields = ["evidence", "done_at", "done_by"]
    if file is not None:
        validate_pdf(file)
        row.evidence_file.save("evidence.pdf", file, save=False)
        fields.append("evidence_file")
    row.save(update_fields=fields)
    log(current, by=by, action="milestone_done", from_status=current.status, reason=row.title)
    return row


@transaction.atomic
def challenge_accept(*, challenge: Challenge, by: User, reason: str = "") -> Challenge:
    """验收通过: bureau staff, once every milestone is done."""
    check_staff(by)
    current = locked(challenge)
    check_state(current, (ChallengeStatus.IN_EXECUTION,), _("验收"))
    open_ones = list(
        current.milestones.filter(done_at__isnull=True).values_list("title", flat=True)
    )
    if open_ones:
        raise DomainError(
            _("以下攻关节点尚未完成，不能验收通过：%(names)s。") % {"names": "、".join(open_ones)}
        )
    current.status = ChallengeStatus.ACCEPTED
    current.status_reason = (reason or "").strip()[:500]
    current.finished_at = now_or(None)
    current.save(update_fields=["status", "status_reason", "finished_at", "updated_at"])
    log(current, by=by, action="accept", from_status=ChallengeStatus.IN_EXECUTION, reason=reason)
    notify(
        current,
        verb=_("榜单“%(title)s”验收通过") % {"title": current.title},
        organisations=[current.organisation_id],
        users=list(
            current.applications.filter(is_winner=True).values_list("created_by_id", flat=True)
        ),
        exclude=by,
    )
    return current


@transaction.atomic
def challenge_fail(*, challenge: Challenge, by: User, reason: str) -> Challenge:
    """验收未通过, with a reason (public on the timeline)."""
    check_staff(by)
    reason = required_reason(reason, _("请填写验收未通过的原因。"))
    current = locked(challenge)
    check_state(current, (ChallengeStatus.IN_EXECUTION,), _("判定验收未通过"))
    current.status = ChallengeStatus.FAILED
    current.status_reason = reason
    current.finished_at = now_or(None)
    current.save(update_fields=["status", "status_reason", "finished_at", "updated_at"])
    log(current, by=by, action="fail", from_status=ChallengeStatus.IN_EXECUTION, reason=reason)
    notify(
        current,
        verb=_("榜单“%(title)s”验收未通过：%(reason)s")
        % {"title": current.title, "reason": reason},
        organisations=[current.organisation_id],
        users=list(
            current.applications.filter(is_winner=True).values_list("created_by_id", flat=True)
        ),
        exclude=by,
    )
    return current
