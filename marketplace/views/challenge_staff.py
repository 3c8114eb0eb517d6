"""Bureau staff's challenge screens (spec §4): the queue (/challenges/manage/) and one
challenge's management page: review (approve / return), experts, evaluation, results and
winners, award, acceptance, cancellation.

Staff-only pages answer 403 to everyone else (spec §10). Each action is a POST that calls
one service; a refusal is shown as a message and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import is_bureau_staff
from marketplace import selectors_challenges as sel
from marketplace.forms_challenges import (
    AssignExpertForm,
    NoteForm,
    ReasonForm,
    WinnersForm,
)
from marketplace.models import Challenge, ChallengeStatus, ExpertAssignment
from marketplace.services import challenge_awards, challenge_reviews
from marketplace.services import challenges as services
from marketplace.services.challenge_workflow import checklist
from marketplace.views.challenges import visible_challenge

QUEUE_LABELS = {
    ChallengeStatus.UNDER_REVIEW: gettext_lazy("待审核"),
    ChallengeStatus.PUBLISHED: gettext_lazy("申报中"),
    ChallengeStatus.CLOSED: gettext_lazy("申报截止，待评审"),
    ChallengeStatus.EVALUATION: gettext_lazy("评审中"),
    ChallengeStatus.PUBLICISED: gettext_lazy("结果公示中"),
    ChallengeStatus.AWARDED: gettext_lazy("揭榜成功，待启动攻关"),
    ChallengeStatus.IN_EXECUTION: gettext_lazy("攻关中，待验收"),
}


def _staff_only(request: HttpRequest) -> None:
    if not is_bureau_staff(request.user):
        raise PermissionDenied


@login_required
@require_safe
def manage_index(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    queue = sel.staff_queue()
    sections = [(status, QUEUE_LABELS[status], queue[status]) for status in QUEUE_LABELS]
    return render(
        request,
        "marketplace/challenges/manage_index.html",
        {"sections": sections, "now": timezone.now()},
    )


def _forms(challenge: Challenge, assigned: list[ExpertAssignment]) -> dict[str, Form]:
    taken = [a.expert_id for a in assigned]
    return {
        "return_form": ReasonForm(
            label=_("退回原因"), help_text=_("发榜单位会看到这条说明，请写明需要修改的地方。")
        ),
        "assign_form": AssignExpertForm(experts=sel.experts().exclude(pk__in=taken)),
        "winners_form": WinnersForm(applications=sel.submitted_applications(challenge)),
        "reopen_form": ReasonForm(label=_("重新评审原因")),
        "accept_form": NoteForm(),
        "fail_form": ReasonForm(label=_("验收未通过原因")),
        "cancel_form": ReasonForm(label=_("撤榜原因")),
    }


def _manage_page(request: HttpRequest, challenge: Challenge, *, status=200, **bound):
    assigned = list(sel.assignments(challenge))
    forms = _forms(challenge, assigned)
    forms.update(bound)
    now = timezone.now()
    results = (
        sel.review_results(challenge)
        if challenge.status
        in (ChallengeStatus.CLOSED, ChallengeStatus.EVALUATION, ChallengeStatus.PUBLICISED)
        else []
    )
    context = {
        "challenge": challenge,
        "checklist": checklist(challenge)
        if challenge.status == ChallengeStatus.UNDER_REVIEW
        else None,
        "assignments": assigned,
        "applications": list(sel.applications_visible_to(request.user, challenge)),
        "results": results,
        "any_incomplete": any(not r.result.is_fully_reviewed for r in results),
        "any_tie": any(r.result.tied for r in results),
        "ranked": sel.ranked_applications(challenge)
        if challenge.status not in (ChallengeStatus.DRAFT, ChallengeStatus.UNDER_REVIEW)
        else [],
        "milestones": list(challenge.milestones.all()),
        "contracts": list(challenge.contracts.all()),
        "deadline_passed": challenge.application_deadline is not None
        and now >= challenge.application_deadline,
        "publicity_over": challenge.publicity_ends_at is not None
        and now >= challenge.publicity_ends_at,
        "can_assign": challenge.status in challenge_reviews.ASSIGNABLE,
        "can_cancel": sel.can_cancel_challenge(request.user, challenge),
        "now": now,
        **forms,
    }
    return render(request, "marketplace/challenges/manage_detail.html", context, status=status)


def _managed(request: HttpRequest, pk: int) -> Challenge:
    _staff_only(request)
    return visible_challenge(request, pk)


@login_required
@require_safe
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_page(request, _managed(request, pk))


# --- actions: each takes (request, challenge) and returns a success message or a bound form ---
def _approve(request, challenge):
    services.challenge_approve(challenge=challenge, by=request.user)
    return _("已审核通过，榜单已发布。")


def _return(request, challenge):
    form = ReasonForm(request.POST, label=_("退回原因"))
    if not form.is_valid():
        return {"return_form": form}
    services.challenge_return(
        challenge=challenge, by=request.user, reason=form.cleaned_data["reason"]
    )
    return _("已退回发榜单位修改。")


def _assign(request, challenge):
    form = AssignExpertForm(request.POST, experts=sel.experts())
    if not form.is_valid():
        return {"assign_form": form}
    challenge_reviews.expert_assign(
        challenge=challenge, expert=form.cleaned_data["expert"], by=request.user
    )
    return _("已指派评审专家 %(name)s。") % {"name": form.cleaned_data["expert"]}


def _unassign(request, challenge):
    try:
        pk = int(request.POST.get("assignment", ""))
    except ValueError:
        raise Http404 from None
    assignment = ExpertAssignment.objects.filter(challenge=challenge, pk=pk).first()
    if assignment is None:
        raise Http404
    challenge_reviews.expert_unassign(assignment=assignment, by=request.user)
    return _("已取消指派。")


def _close(request, challenge):
    services.challenge_close(challenge=challenge, by=request.user)
    return _("已截止申报。")


def _start_evaluation(request, challenge):
    challenge_reviews.evaluation_start(challenge=challenge, by=request.user)
    return _("评审已开始，已通知评审专家。")


def _publicise(request, challenge):
    form = WinnersForm(request.POST, applications=sel.submitted_applications(challenge))
    if not form.is_valid():
        return {"winners_form": form}
    challenge_reviews.winners_confirm(
        challenge=challenge, by=request.user, winners=list(form.cleaned_data["winners"])
    )
    return _("揭榜结果已确认，进入公示。")


def _reopen(request, challenge):
    form = ReasonForm(request.POST, label=_("重新评审原因"))
    if not form.is_valid():
        return {"reopen_form": form}
    challenge_reviews.evaluation_reopen(
        challenge=challenge, by=request.user, reason=form.cleaned_data["reason"]
    )
    return _("已重新进入评审。")


def _award(request, challenge):
    contracts = challenge_awards.challenge_award(challenge=challenge, by=request.user)
    return _("揭榜成功；已生成 %(n)d 份技术开发合同草稿。") % {"n": len(contracts)}


def _accept(request, challenge):
    form = NoteForm(request.POST)
    if not form.is_valid():
        return {"accept_form": form}
    challenge_awards.challenge_accept(
        challenge=challenge, by=request.user, reason=form.cleaned_data["reason"]
    )
    return _("已验收通过。")


def _fail(request, challenge):
    form = ReasonForm(request.POST, label=_("验收未通过原因"))
    if not form.is_valid():
        return {"fail_form": form}
    challenge_awards.challenge_fail(
        challenge=challenge, by=request.user, reason=form.cleaned_data["reason"]
    )
    return _("已记录验收未通过。")


def _cancel(request, challenge):
    form = ReasonForm(request.POST, label=_("撤榜原因"))
    if not form.is_valid():
        return {"cancel_form": form}
    services.challenge_cancel(
        challenge=challenge, by=request.user, reason=form.cleaned_data["reason"]
    )
    return _("已撤榜。")


ACTIONS: dict[str, Callable] = {
    "approve": _approve,
    "return": _return,
    "assign": _assign,
    "unassign": _unassign,
    "close": _close,
    "start-evaluation": _start_evaluation,
    "publicise": _publicise,
    "reopen": _reopen,
    "award": _award,
    "accept": _accept,
    "fail": _fail,
    "cancel": _cancel,
}


@login_required
@require_POST
def manage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    challenge = _managed(request, pk)
    try:
        outcome = handler(request, challenge)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("marketplace:challenge_manage", pk=challenge.pk)
    if isinstance(outcome, dict):  # a form with errors: show it again, nothing changed
        return _manage_page(request, challenge, status=400, **outcome)
    messages.success(request, outcome)
    return redirect("marketplace:challenge_manage", pk=challenge.pk)
