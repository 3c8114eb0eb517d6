"""揭榜 pages (spec §4): apply or change the application, read one, withdraw it, its PDF.

An application is shown only to its organisation, the issuer, the assigned experts and
bureau staff; to anyone else it does not exist (404). The deadline is the services'.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from marketplace import selectors_challenges as sel
from marketplace.forms_challenges import ApplicationForm
from marketplace.models import ApplicationStatus, ChallengeApplication
from marketplace.services import challenge_applications as services
from marketplace.views.challenges import error_text, send_pdf, visible_challenge


@login_required
def challenge_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """我要揭榜: a new application, or the organisation's own one to change."""
    challenge = visible_challenge(request, pk)
    organisations = sel.application_organisations(request.user, challenge)
    own = sel.own_application(request.user, challenge)
    if own is not None:
        organisations = [o for o in organisations if o.pk == own.organisation_id]
    if not organisations:
        raise PermissionDenied
    if not sel.is_accepting_applications(challenge) and request.method != "POST":
        messages.error(request, _("该榜单当前不接受揭榜申请。"))
        return redirect(challenge.get_absolute_url())
    instance = ChallengeApplication.objects.get(pk=own.pk) if own else None
    form = ApplicationForm(
        request.POST or None,
        request.FILES or None,
        instance=instance,
        organisations=organisations,
    )
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data.get("organisation")
        organisation = next((o for o in organisations if o.pk == chosen), organisations[0])
        try:
            application = services.application_submit(
                challenge=challenge,
                by=request.user,
                data=form.application_data(),
                organisation=organisation,
                proposal_file=form.cleaned_data.get("proposal_file"),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("揭榜申请已提交；截止时间前可以修改或撤回。")
                if own is None
                else _("揭榜申请已更新。"),
            )
            return redirect(application.get_absolute_url())
    return render(
        request,
        "marketplace/challenges/application_form.html",
        {"challenge": challenge, "form": form, "application": own},
        status=400 if request.method == "POST" else 200,
    )


def _visible_application(request: HttpRequest, pk: int, application_id: int):
    challenge = visible_challenge(request, pk)
    application = sel.application_for(request.user, challenge, application_id)
    if application is None:
        raise Http404
    return challenge, application


@login_required
@require_safe
def application_detail(request: HttpRequest, pk: int, application_id: int) -> HttpResponse:
    challenge, application = _visible_application(request, pk, application_id)
    is_applicant = sel.is_applicant(request.user, application)
    return render(
        request,
        "marketplace/challenges/application_detail.html",
        {
            "challenge": challenge,
            "application": application,
            "is_applicant": is_applicant,
            "can_change": is_applicant
            and sel.is_accepting_applications(challenge)
            and application.status == ApplicationStatus.SUBMITTED,
            "can_reapply": is_applicant
            and sel.is_accepting_applications(challenge)
            and application.status == ApplicationStatus.WITHDRAWN,
        },
    )


@login_required
@require_POST
def application_withdraw(request: HttpRequest, pk: int, application_id: int) -> HttpResponse:
    _challenge, application = _visible_application(request, pk, application_id)
    if not sel.is_applicant(request.user, application):
        raise PermissionDenied
    try:
        services.application_withdraw(application=application, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("揭榜申请已撤回；截止时间前可以重新提交。"))
    return redirect(application.get_absolute_url())


@login_required
@require_safe
def application_file(request: HttpRequest, pk: int, application_id: int) -> FileResponse:
    _challenge, application = _visible_application(request, pk, application_id)
    if not application.proposal_file:
        raise Http404
    return send_pdf(application.proposal_file, application.proposal_file_name or "proposal.pdf")
