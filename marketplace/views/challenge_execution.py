"""攻关 (spec §4): milestones set by the issuer or bureau staff, reported by the winning team."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import is_bureau_staff
from marketplace import selectors_challenges as sel
from marketplace.forms_challenges import MilestoneDoneForm, MilestoneForm
from marketplace.models import ChallengeMilestone
from marketplace.services import challenge_awards as services
from marketplace.views.challenges import error_text, send_pdf, visible_challenge


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = visible_challenge(request, pk)
    if not services.can_plan(request.user, challenge):
        raise PermissionDenied
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.milestone_add(challenge=challenge, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已添加攻关节点。"))
    return redirect(challenge.get_absolute_url() + "#milestones")


@login_required
@require_POST
def execution_start(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = visible_challenge(request, pk)
    if not services.can_plan(request.user, challenge):
        raise PermissionDenied
    try:
        services.execution_start(challenge=challenge, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已启动攻关。"))
    return redirect(challenge.get_absolute_url() + "#milestones")


def _milestone(challenge, milestone_id: int) -> ChallengeMilestone:
    milestone = ChallengeMilestone.objects.filter(challenge=challenge, pk=milestone_id).first()
    if milestone is None:
        raise Http404
    return milestone


@login_required
@require_POST
def milestone_done(request: HttpRequest, pk: int, milestone_id: int) -> HttpResponse:
    challenge = visible_challenge(request, pk)
    milestone = _milestone(challenge, milestone_id)
    if not services.can_report(request.user, challenge):
        raise PermissionDenied
    form = MilestoneDoneForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
    else:
        try:
            services.milestone_complete(
                milestone=milestone,
                by=request.user,
                evidence=form.cleaned_data["evidence"],
                file=form.cleaned_data.get("evidence_file"),
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("已提交节点完成情况。"))
    return redirect(challenge.get_absolute_url() + "#milestones")


@login_required
@require_safe
def milestone_file(request: HttpRequest, pk: int, milestone_id: int) -> FileResponse:
    """Evidence files: the issuer, the winning team and bureau staff."""
    challenge = visible_challenge(request, pk)
    milestone = _milestone(challenge, milestone_id)
    user = request.user
    if not (
        sel.is_issuer(user, challenge)
        or is_bureau_staff(user)
        or services.can_report(user, challenge)
    ):
        raise Http404
    if not milestone.evidence_file:
        raise Http404
    return send_pdf(milestone.evidence_file, "evidence.pdf")
