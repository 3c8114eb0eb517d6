"""The expert's pages (spec §4): 评审任务 (/challenges/reviews/) and the review of one challenge.

An expert sees the applications of the challenges assigned to them and only their own
scores; anyone not assigned gets 404 for the review page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from marketplace import selectors_challenges as sel
from marketplace.challenge_scoring import expert_total
from marketplace.forms_challenges import ConflictForm, ScoreForm
from marketplace.models import ChallengeStatus
from marketplace.services import challenge_reviews as services
from marketplace.views.challenges import visible_challenge


@login_required
@require_safe
def review_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "marketplace/challenges/review_index.html",
        {
            "assignments": sel.assignments_of_expert(request.user),
            "is_expert": sel.is_expert(request.user),
        },
    )


def _assignment(request: HttpRequest, pk: int):
    challenge = visible_challenge(request, pk)
    assignment = sel.assignment_of(request.user, challenge)
    if assignment is None:
        raise Http404
    return challenge, assignment


def _review_page(request, challenge, assignment, *, bound=None, status=200) -> HttpResponse:
    criteria = sel.criteria(challenge)
    own_scores = sel.scores_of(assignment)
    conflicts = sel.conflicts_of(assignment)
    rows = []
    for application in sel.submitted_applications(challenge).order_by("id"):
        given = own_scores.get(application.pk, {})
        if bound is not None and bound[0] == application.pk:
            score_form, conflict_form = bound[1], bound[2]
        else:
            score_form = ScoreForm(
                criteria=criteria, initial_scores=given, prefix=f"a{application.pk}"
            )
            conflict_form = ConflictForm(prefix=f"c{application.pk}")
        total = None
        if given and len(given) == len(criteria):
            total = expert_total({c.pk: c.weight for c in criteria}, given)
        rows.append(
            {
                "application": application,
                "conflict": conflicts.get(application.pk),
                "scored": bool(given),
                "complete": total is not None,
                "total": total,
                "score_form": score_form,
                "conflict_form": conflict_form,
            }
        )
    return render(
        request,
        "marketplace/challenges/review_detail.html",
        {
            "challenge": challenge,
            "assignment": assignment,
            "criteria": criteria,
            "rows": rows,
            "can_score": challenge.status == ChallengeStatus.EVALUATION,
            "can_declare": challenge.status
            in (ChallengeStatus.PUBLISHED, ChallengeStatus.CLOSED, ChallengeStatus.EVALUATION),
        },
        status=status,
    )


@login_required
@require_safe
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge, assignment = _assignment(request, pk)
    return _review_page(request, challenge, assignment)


def _application(challenge, application_id: int):
    application = sel.submitted_applications(challenge).filter(pk=application_id).first()
    if application is None:
        raise Http404
    return application


@login_required
@require_POST
def review_score(request: HttpRequest, pk: int, application_id: int) -> HttpResponse:
    challenge, assignment = _assignment(request, pk)
    application = _application(challenge, application_id)
    form = ScoreForm(request.POST, criteria=sel.criteria(challenge), prefix=f"a{application.pk}")
    if form.is_valid():
        try:
            services.scores_submit(
                assignment=assignment,
                application=application,
                by=request.user,
                scores=form.scores(),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("已保存对 %(org)s 的评分。") % {"org": application.organisation.name},
            )
            return redirect("marketplace:challenge_review", pk=challenge.pk)
    bound = (application.pk, form, ConflictForm(prefix=f"c{application.pk}"))
    return _review_page(request, challenge, assignment, bound=bound, status=400)


@login_required
@require_POST
def review_conflict(request: HttpRequest, pk: int, application_id: int) -> HttpResponse:
    challenge, assignment = _assignment(request, pk)
    application = _application(challenge, application_id)
    form = ConflictForm(request.POST, prefix=f"c{application.pk}")
    if form.is_valid():
        try:
            services.conflict_declare(
                assignment=assignment,
                application=application,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已声明利益冲突，您将不对该申请评分。"))
            return redirect("marketplace:challenge_review", pk=challenge.pk)
    score_form = ScoreForm(criteria=sel.criteria(challenge), prefix=f"a{application.pk}")
    bound = (application.pk, score_form, form)
    return _review_page(request, challenge, assignment, bound=bound, status=400)
