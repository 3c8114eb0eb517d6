"""The expert review of a challenge (评审, spec §4) and the result (公示).

Bureau staff assign experts (people with the expert role). An expert declares a conflict
of interest per application and then cannot score it; otherwise they score every
criterion 0–100, seeing only their own scores. Staff start the evaluation once
applications have closed, and confirm the winner(s): the results are frozen and
publicised for the challenge's publicity days. During publicity staff may reopen the
evaluation (an objection upheld), with a reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from lib.errors import DomainError, NotAllowed
from marketplace import selectors_challenges as sel
from marketplace.models import (
    ApplicationStatus,
    Challenge,
    ChallengeApplication,
    ChallengeStatus,
    ExpertAssignment,
    ExpertConflict,
    ExpertScore,
)
from marketplace.services.challenge_workflow import (
    check_staff,
    check_state,
    locked,
    log,
    notify,
    now_or,
    required_reason,
)

CENT = Decimal("0.01")
ASSIGNABLE = (ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED, ChallengeStatus.EVALUATION)
# Conflicts can be declared from assignment until the result is confirmed.
DECLARABLE = ASSIGNABLE


# --- experts ----------------------------------------------------------------------------------
@transaction.atomic
def expert_assign(*, challenge: Challenge, expert: User, by: User) -> ExpertAssignment:
    check_staff(by)
    if not sel.is_expert(expert):
        raise DomainError(_("所选用户不是评审专家。"))
    current = locked(challenge)
    check_state(current, ASSIGNABLE, _("指派评审专家"))
    if sel.is_issuer(expert, current):
        raise DomainError(_("发榜单位的成员不能担任该榜单的评审专家。"))
    if ExpertAssignment.objects.filter(challenge=current, expert=expert).exists():
        raise DomainError(_("该专家已被指派评审此榜单。"))
    try:
        with transaction.atomic():
            assignment = ExpertAssignment.objects.create(
                challenge=current, expert=expert, assigned_by=by
            )
    except IntegrityError as exc:
        raise DomainError(_("该专家已被指派评审此榜单。")) from exc
    log(current, by=by, action="assign_expert", from_status=current.status)
    notify(
        current,
        verb=_("您被邀请评审榜单“%(title)s”") % {"title": current.title},
        users=[expert.pk],
        url=reverse("marketplace:challenge_review", args=[current.pk]),
    )
    return assignment


@transaction.atomic
def expert_unassign(*, assignment: ExpertAssignment, by: User) -> None:
    """Withdraw an invitation before the expert has scored anything."""
    check_staff(by)
    current = locked(assignment.challenge)
    check_state(current, ASSIGNABLE, _("取消指派"))
    if assignment.scores.exists():
        raise DomainError(_("该专家已开始评分，不能取消指派。"))
    assignment.delete()
    log(current, by=by, action="unassign_expert", from_status=current.status)


def _own_assignment(assignment: ExpertAssignment, by: User) -> None:
    if not by.is_authenticated or assignment.expert_id != by.pk:
        raise NotAllowed(_("只有被指派的评审专家本人可以评审。"))


def _submitted(application: ChallengeApplication, challenge: Challenge) -> None:
    if application.challenge_id != challenge.pk:
        raise DomainError(_("该申请不属于此榜单。"))
    if application.status != ApplicationStatus.SUBMITTED:
        raise DomainError(_("该申请已撤回，无需评审。"))


@transaction.atomic
def conflict_declare(
    *,
    assignment: ExpertAssignment,
    application: ChallengeApplication,
    by: User,
    reason: str,
) -> ExpertConflict:
    """回避: the expert will not score this application; any score they gave is removed."""
    _own_assignment(assignment, by)
    reason = required_reason(reason, _("请说明利益冲突的情况（例如：同一单位、合作关系）。"))
    current = locked(assignment.challenge)
    check_state(current, DECLARABLE, _("声明利益冲突"))
    _submitted(application, current)
    conflict, created = ExpertConflict.objects.get_or_create(
        assignment=assignment, application=application, defaults={"reason": reason[:300]}
    )
    if not created:
        raise DomainError(_("您已声明与该申请存在利益冲突。"))
    ExpertScore.objects.filter(assignment=assignment, application=application).delete()
    return conflict


@transaction.atomic
def scores_submit(
    *,
    assignment: ExpertAssignment,
    application: ChallengeApplication,
    by: User,
    scores: dict[int, int],
) -> list[ExpertScore]:
    """The expert's scores (0–100) of one application, one per criterion; a resubmit replaces them.

    All criteria at once, so a review is never half-saved by the form; the scoring rule
    still shows incomplete reviews (e.g. a criterion added later) instead of hiding them.
    """
    _own_assignment(assignment, by)
    current = locked(assignment.challenge)
    check_state(current, (ChallengeStatus.EVALUATION,), _("评分"))
    _submitted(application, current)
    if ExpertConflict.objects.filter(assignment=assignment, application=application).exists():
        raise NotAllowed(_("您已声明与该申请存在利益冲突，不能为其评分。"))
    criteria = {c.pk: c for c in current.criteria.all()}
    missing = [c.name for pk, c in criteria.items() if scores.get(pk) is None]
    if missing:
        raise DomainError(
            _("请为每项评审指标打分，尚未打分：%(names)s。") % {"names": "、".join(missing)}
        )
    unknown = set(scores) - set(criteria)
    if unknown:
        raise DomainError(_("评分中包含不属于该榜单的评审指标。"))
    rows = []
    for pk, criterion in criteria.items():
        value = scores[pk]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            raise DomainError(_("“%(name)s”的得分须为 0–100 的整数。") % {"name": criterion.name})
        row, _created = ExpertScore.objects.update_or_create(
            assignment=assignment,
            application=application,
            criterion=criterion,
            defaults={"score": value},
        )
        rows.append(row)
    return rows


# --- evaluation and result --------------------------------------------------------------------
@transaction.atomic
def evaluation_start(*, challenge: Challenge, by: User) -> Challenge:
    """Applications closed → evaluation (评审). Nothing to evaluate without an application."""
    check_staff(by)
    current = locked(challenge)
    check_state(current, (ChallengeStatus.CLOSED,), _("开始评审"))
    if not current.applications.filter(status=ApplicationStatus.SUBMITTED).exists():
        raise DomainError(_("该榜单没有有效的揭榜申请，无法评审；如需结束，请撤榜并说明原因。"))
    if not current.assignments.exists():
        raise DomainError(_("请先指派评审专家。"))
    current.status = ChallengeStatus.EVALUATION
    current.save(update_fields=["status", "updated_at"])
    log(current, by=by, action="start_evaluation", from_status=ChallengeStatus.CLOSED)
    notify(
        current,
        verb=_("榜单“%(title)s”已进入评审，请完成评分") % {"title": current.title},
        users=list(current.assignments.values_list("expert_id", flat=True)),
        exclude=by,
        url=reverse("marketplace:challenge_review", args=[current.pk]),
    )
    return current


def split_bounty(total: Decimal, count: int) -> list[Decimal]:
    """Equal shares to the cent; the cents left over go to the first (best-ranked) winner."""
    share = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    shares = [share] * count
    shares[0] += total - share * count
    return shares


@transaction.atomic
def winners_confirm(
    *,
    challenge: Challenge,
    by: User,
    winners: list[ChallengeApplication],
    now: dt.datetime | None = None,
) -> Challenge:
    """Staff confirm the winner(s): scores are frozen and the result is publicised (公示)."""
    check_staff(by)
    now = now_or(now)
    current = locked(challenge)
    check_state(current, (ChallengeStatus.EVALUATION,), _("确认揭榜结果"))
    if not winners:
        raise DomainError(_("请至少选择一个揭榜单位。"))
    rows = {row.application.pk: row for row in sel.review_results(current)}
    chosen = []
    for application in winners:
        row = rows.get(application.pk)
        if row is None:
            raise DomainError(_("只能从本榜单的有效申请中选择揭榜单位。"))
        if row.result.score is None:
            raise DomainError(
                _("%(org)s 的申请还没有完整的专家评分，不能确定为揭榜单位。")
                % {"org": row.application.organisation.name}
            )
        if row.application not in chosen:
            chosen.append(row.application)
    # Best first, so the first winner is the one with the highest result.
    order = list(rows)
    chosen.sort(key=lambda a: order.index(a.pk))
    shares = split_bounty(current.bounty_total, len(chosen))
    if any(share <= Decimal("0.00") for share in shares):
        raise DomainError(_("榜金不足以在所选揭榜单位之间分配。"))
    for row in rows.values():
        application = row.application
        application.final_score = row.result.score
        application.is_winner = False
        application.award_amount = None
        application.save(update_fields=["final_score", "is_winner", "award_amount", "updated_at"])
    for application, share in zip(chosen, shares, strict=True):
        application.is_winner = True
        application.award_amount = share
        application.save(update_fields=["is_winner", "award_amount", "updated_at"])
    current.status = ChallengeStatus.PUBLICISED
    current.publicised_at = now
    current.publicity_ends_at = now + dt.timedelta(days=current.publicity_days)
    current.save(update_fields=["status", "publicised_at", "publicity_ends_at", "updated_at"])
    names = "、".join(a.organisation.name for a in chosen)
    log(
        current,
        by=by,
        action="publicise",
        from_status=ChallengeStatus.EVALUATION,
        reason=_("拟揭榜单位：%(names)s") % {"names": names},
    )
    notify(
        current,
        verb=_("榜单“%(title)s”评审结果公示中，拟揭榜单位：%(names)s")
        % {"title": current.title, "names": names},
        organisations=[current.organisation_id],
        users=list(
            current.applications.filter(status=ApplicationStatus.SUBMITTED)
            .exclude(created_by=None)
            .values_list("created_by_id", flat=True)
        ),
        exclude=by,
    )
    return current


@transaction.atomic
def evaluation_reopen(*, challenge: Challenge, by: User, reason: str) -> Challenge:
    """An objection during publicity is upheld: back to evaluation, winners cleared."""
    check_staff(by)
    reason = required_reason(reason, _("请填写重新评审的原因，它会显示在榜单的公开记录中。"))
    current = locked(challenge)
    check_state(current, (ChallengeStatus.PUBLICISED,), _("重新评审"))
    current.applications.update(is_winner=False, award_amount=None, final_score=None)
    current.status = ChallengeStatus.EVALUATION
    current.publicised_at = None
    current.publicity_ends_at = None
    current.save(update_fields=["status", "publicised_at", "publicity_ends_at", "updated_at"])
    log(current, by=by, action="reopen", from_status=ChallengeStatus.PUBLICISED, reason=reason)
    return current
