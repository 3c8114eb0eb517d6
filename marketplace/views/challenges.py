"""Challenge pages (spec §4, §10): /challenges/, /challenges/<id>/, and the issuer's pages
(/challenges/new/, /challenges/mine/, /challenges/<id>/edit/, submit, cancel, attachments).

A challenge a person may not see answers 404; an action they may not take answers 403 (or
404 when they may not even see it) and changes nothing. Every rule is in the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import is_bureau_staff
from lib import text
from marketplace import selectors_challenges as sel
from marketplace.forms_challenges import (
    ChallengeForm,
    CriterionFormSet,
    KPIFormSet,
    ReasonForm,
    criteria_data,
    criterion_initial,
    kpi_initial,
    kpis_data,
)
from marketplace.models import Challenge, ChallengeAttachment, ChallengeStatus
from marketplace.services import challenge_awards
from marketplace.services import challenges as services
from marketplace.services.challenge_workflow import checklist

PAGE_SIZE = 20
PDF_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}
# Timeline actions as the services log them, in the words the public reads.
ACTION_LABELS = {
    "create": gettext_lazy("创建榜单"),
    "submit": gettext_lazy("提交审核"),
    "approve": gettext_lazy("审核通过，发榜"),
    "return": gettext_lazy("退回修改"),
    "close": gettext_lazy("申报截止"),
    "assign_expert": gettext_lazy("指派评审专家"),
    "unassign_expert": gettext_lazy("取消指派评审专家"),
    "start_evaluation": gettext_lazy("开始评审"),
    "publicise": gettext_lazy("评审结果公示"),
    "reopen": gettext_lazy("重新评审"),
    "award": gettext_lazy("揭榜成功"),
    "start_execution": gettext_lazy("启动攻关"),
    "milestone_done": gettext_lazy("攻关节点完成"),
    "accept": gettext_lazy("验收通过"),
    "fail": gettext_lazy("验收未通过"),
    "cancel": gettext_lazy("撤榜"),
}
STATUS_FILTERS = {
    "open": gettext_lazy("申报中"),
    "review": gettext_lazy("评审与公示"),
    "awarded": gettext_lazy("已揭榜"),
}


def error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def visible_challenge(request: HttpRequest, pk: int) -> Challenge:
    challenge = sel.challenge_for(request.user, pk)
    if challenge is None:
        raise Http404
    return challenge


def send_pdf(field_file, filename: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, content_type="application/pdf", as_attachment=True, filename=filename
    )
    for header, value in PDF_HEADERS.items():
        response[header] = value
    return response


# --- public -----------------------------------------------------------------------------------
@require_safe
def challenge_list(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("status", "")
    chosen = chosen if chosen in STATUS_FILTERS else ""
    query, _cut = text.query_text(request.GET.get("q"))
    qs = sel.published_challenges(stage=chosen, query=query)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "marketplace/challenges/challenge_list.html",
        {
            "page": page,
            "status_filters": STATUS_FILTERS,
            "chosen": chosen,
            "query": query,
            "open_count": sel.open_challenge_count(),
            "now": timezone.now(),
            "can_issue": bool(sel.issuing_organisations(request.user))
            or is_bureau_staff(request.user),
        },
    )


def _actor_label(event, challenge: Challenge, issuer_member_ids: set[int]) -> str:
    """The public timeline names who acted by their side, never a reviewer's name."""
    if event.actor_id is None:
        return _("系统")
    if event.actor_id in issuer_member_ids:
        return challenge.organisation.name
    return _("科技局")


def timeline(challenge: Challenge) -> list:
    from accounts.models import Membership

    issuer_members = set(
        Membership.objects.filter(organisation_id=challenge.organisation_id).values_list(
            "user_id", flat=True
        )
    )
    events = list(sel.challenge_events(challenge))
    for event in events:
        event.action_label = ACTION_LABELS.get(event.action, event.action)
        event.actor_label = _actor_label(event, challenge, issuer_members)
    return events


def _apply_state(request: HttpRequest, challenge: Challenge) -> dict:
    """What the 揭榜 box shows this person."""
    user = request.user
    if not sel.is_accepting_applications(challenge):
        return {"open": False}
    if not user.is_authenticated:
        return {"open": True, "prompt": "login"}
    if sel.is_issuer(user, challenge):
        return {"open": True, "prompt": "issuer"}
    own = sel.own_application(user, challenge)
    if own is not None:
        return {"open": True, "own": own}
    if not sel.application_organisations(user, challenge):
        return {"open": True, "prompt": "verify"}
    return {"open": True, "can_apply": True}


@require_safe
def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = visible_challenge(request, pk)
    user = request.user
    if challenge.is_public:
        services.challenge_record_view(challenge=challenge)
    is_staff = is_bureau_staff(user)
    can_edit = sel.can_edit_challenge(user, challenge)
    insider = can_edit or is_staff or sel.is_issuer(user, challenge)
    applications = sel.applications_visible_to(user, challenge)
    assignment = sel.assignment_of(user, challenge)
    context = {
        "challenge": challenge,
        "kpis": list(challenge.kpis.all()),
        "criteria": list(challenge.criteria.all()),
        "attachments": list(challenge.attachments.all()),
        "milestones": list(challenge.milestones.all()),
        "events": timeline(challenge),
        "publicity_list": sel.publicity_list(challenge),
        "is_insider": insider,
        "is_staff": is_staff,
        "can_edit": can_edit and challenge.status == ChallengeStatus.DRAFT,
        "can_submit": can_edit and challenge.status == ChallengeStatus.DRAFT,
        "can_cancel": sel.can_cancel_challenge(user, challenge),
        "checklist": checklist(challenge)
        if insider and challenge.status in (ChallengeStatus.DRAFT, ChallengeStatus.UNDER_REVIEW)
        else None,
        "applications": list(applications) if (insider or assignment) else [],
        "own_application": sel.own_application(user, challenge),
        "apply": _apply_state(request, challenge),
        "assignment": assignment,
        "can_plan": challenge_awards.can_plan(user, challenge)
        and challenge.status in (ChallengeStatus.AWARDED, ChallengeStatus.IN_EXECUTION),
        "can_report": challenge.status == ChallengeStatus.IN_EXECUTION
        and challenge_awards.can_report(user, challenge),
        "contracts": list(challenge.contracts.all()) if insider else [],
        "cancel_form": ReasonForm(label=_("撤榜原因")),
        "now": timezone.now(),
        "login_next": request.get_full_path(),
    }
    return render(request, "marketplace/challenges/challenge_detail.html", context)


@require_safe
def challenge_attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """A challenge's PDF, to whoever may see the challenge."""
    challenge = visible_challenge(request, pk)
    attachment = ChallengeAttachment.objects.filter(challenge=challenge, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    return send_pdf(attachment.file, f"{attachment.title[:80]}.pdf")


# --- the issuer -------------------------------------------------------------------------------
def _organisations(user) -> list:
    organisations = sel.issuing_organisations(user)
    if is_bureau_staff(user):
        organisations += [o for o in sel.behalf_organisations() if o not in organisations]
    return organisations


def _formsets(request: HttpRequest, challenge: Challenge | None):
    data = request.POST if request.method == "POST" else None
    return (
        KPIFormSet(data, prefix="kpi", initial=kpi_initial(challenge)),
        CriterionFormSet(data, prefix="criterion", initial=criterion_initial(challenge)),
    )


def _form_page(request, form, kpi_formset, criterion_formset, challenge=None, status=200):
    return render(
        request,
        "marketplace/challenges/challenge_form.html",
        {
            "form": form,
            "kpi_formset": kpi_formset,
            "criterion_formset": criterion_formset,
            "challenge": challenge,
            "checklist": checklist(challenge) if challenge else None,
        },
        status=status,
    )


def _save_attachment(form, challenge: Challenge, by) -> None:
    if form.cleaned_data.get("attachment"):
        services.challenge_add_attachment(
            challenge=challenge,
            by=by,
            file=form.cleaned_data["attachment"],
            title=form.cleaned_data.get("attachment_title") or "",
        )


def _try_submit(request: HttpRequest, challenge: Challenge) -> bool:
    """Submit after saving; a refusal keeps the saved draft and says what is missing."""
    try:
        services.challenge_submit(challenge=challenge, by=request.user)
    except ValidationError as exc:
        messages.error(
            request,
            _("草稿已保存，但还不能提交审核：%(problems)s") % {"problems": " ".join(exc.messages)},
        )
        return False
    messages.success(request, _("已提交审核，审核通过后发榜。"))
    return True


@login_required
def challenge_new(request: HttpRequest) -> HttpResponse:
    organisations = _organisations(request.user)
    if not organisations:
        return render(request, "marketplace/challenges/no_organisation.html", status=403)
    form = ChallengeForm(request.POST or None, request.FILES or None, organisations=organisations)
    kpi_formset, criterion_formset = _formsets(request, None)
    if (
        request.method == "POST"
        and form.is_valid()
        and kpi_formset.is_valid()
        and criterion_formset.is_valid()
    ):
        try:
            with transaction.atomic():
                challenge = services.challenge_create(
                    organisation=form.cleaned_data["organisation"],
                    by=request.user,
                    data=form.challenge_data(),
                    kpis=kpis_data(kpi_formset),
                    criteria=criteria_data(criterion_formset),
                )
                _save_attachment(form, challenge, request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if "submit" in request.POST:
                if not _try_submit(request, challenge):
                    return redirect("marketplace:challenge_edit", pk=challenge.pk)
            else:
                messages.success(request, _("草稿已保存。"))
            return redirect(challenge.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return _form_page(request, form, kpi_formset, criterion_formset, status=status)


def owned_challenge(request: HttpRequest, pk: int) -> Challenge:
    """The challenge if this person may change it: 404 if they may not see it, else 403."""
    challenge = visible_challenge(request, pk)
    if not sel.can_edit_challenge(request.user, challenge):
        raise PermissionDenied
    return challenge


@login_required
def challenge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = owned_challenge(request, pk)
    if challenge.status != ChallengeStatus.DRAFT:
        messages.error(
            request,
            _("榜单当前状态为“%(status)s”，不能修改。")
            % {"status": challenge.get_status_display()},
        )
        return redirect(challenge.get_absolute_url())
    # The form works on its own copy: a rejected POST must not leave typed values around.
    form = ChallengeForm(
        request.POST or None,
        request.FILES or None,
        instance=Challenge.objects.get(pk=challenge.pk),
        organisations=[challenge.organisation],
    )
    kpi_formset, criterion_formset = _formsets(request, challenge)
    if (
        request.method == "POST"
        and form.is_valid()
        and kpi_formset.is_valid()
        and criterion_formset.is_valid()
    ):
        try:
            with transaction.atomic():
                services.challenge_update(
                    challenge=challenge,
                    by=request.user,
                    data=form.challenge_data(),
                    kpis=kpis_data(kpi_formset),
                    criteria=criteria_data(criterion_formset),
                )
                _save_attachment(form, challenge, request.user)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if "submit" in request.POST:
                if not _try_submit(request, challenge):
                    return redirect("marketplace:challenge_edit", pk=challenge.pk)
            else:
                messages.success(request, _("已保存。"))
            return redirect(challenge.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return _form_page(request, form, kpi_formset, criterion_formset, challenge, status=status)


@login_required
@require_safe
def challenge_mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(sel.challenges_of_user(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "marketplace/challenges/challenge_mine.html",
        {
            "page": page,
            "applications": sel.applications_of_user(request.user)[:50],
            "assignments": sel.assignments_of_expert(request.user)[:50],
            "can_issue": bool(_organisations(request.user)),
        },
    )


@login_required
@require_POST
def challenge_submit(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = owned_challenge(request, pk)
    _try_submit(request, challenge)
    return redirect(challenge.get_absolute_url())


@login_required
@require_POST
def challenge_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    challenge = visible_challenge(request, pk)
    if not sel.can_cancel_challenge(request.user, challenge):
        raise PermissionDenied
    form = ReasonForm(request.POST, label=_("撤榜原因"))
    if not form.is_valid():
        messages.error(request, _("请填写撤榜原因，它会显示在榜单的公开记录中。"))
        return redirect(challenge.get_absolute_url())
    try:
        services.challenge_cancel(
            challenge=challenge, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("已撤榜。"))
    return redirect(challenge.get_absolute_url())


@login_required
@require_POST
def challenge_attachment_delete(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    challenge = owned_challenge(request, pk)
    attachment = ChallengeAttachment.objects.filter(challenge=challenge, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        services.challenge_remove_attachment(attachment=attachment, by=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("附件已删除。"))
    return redirect("marketplace:challenge_edit", pk=challenge.pk)
