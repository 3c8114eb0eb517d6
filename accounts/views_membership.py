"""Joining an existing organisation: the person's pages and their organisation admins' pages.

Every object is looked up through a selector that only returns what this person may
act on, so a guessed id answers 404 and nothing is said about organisations that are
not verified.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import JoinRequestForm, JoinSearchForm, RefuseForm
from accounts.models import MembershipRequestStatus


@login_required
def join_search(request: HttpRequest) -> HttpResponse:
    form = JoinSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = selectors.search_joinable_organisations(query)
    member_of = selectors.organisation_ids_of(request.user)
    pending = set(
        selectors.membership_requests_of(request.user)
        .filter(status=MembershipRequestStatus.PENDING)
        .values_list("organisation_id", flat=True)
    )
    return render(
        request,
        "accounts/join_search.html",
        {
            "form": form,
            "query": query,
            "results": [
                {
                    "organisation": org,
                    "is_member": org.pk in member_of,
                    "is_pending": org.pk in pending,
                }
                for org in results
            ],
        },
    )


@login_required
def join_request(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.joinable_organisations().filter(pk=pk).first()
    if organisation is None:
        raise Http404
    form = JoinRequestForm(request.POST or None, roles=selectors.join_roles(organisation))
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_request_create(
                user=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as exc:  # a rule in the service refused it
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("已申请加入%(org)s，机构管理员审批后会通知您。") % {"org": organisation.name},
            )
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/join_request.html",
        {"organisation": organisation, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def join_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    membership_request = selectors.membership_requests_of(request.user).filter(pk=pk).first()
    if membership_request is None:
        raise Http404
    try:
        services.membership_request_withdraw(membership_request=membership_request, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("申请已撤回。"))
    return redirect("accounts:profile")


# --- the organisation admin's side ------------------------------------------------------------
def _to_decide(request: HttpRequest, pk: int):
    """A request to one of the organisations this person administers, or 404."""
    membership_request = selectors.membership_requests_to_decide(request.user).filter(pk=pk).first()
    if membership_request is None:
        raise Http404
    return membership_request


@login_required
def requests_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.membership_requests_to_decide(request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/membership_requests.html",
        {
            "page": page,
            "page_obj": page,
            "administers": bool(selectors.administered_organisation_ids(request.user)),
        },
    )


@login_required
@require_POST
def request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    membership_request = _to_decide(request, pk)
    try:
        services.membership_request_approve(membership_request=membership_request, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("已同意 %(name)s 加入%(org)s。")
            % {"name": membership_request.user, "org": membership_request.organisation.name},
        )
    return redirect("accounts:membership_requests")


@login_required
def request_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    membership_request = _to_decide(request, pk)
    form = RefuseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_request_refuse(
                membership_request=membership_request,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("已不同意 %(name)s 的申请。") % {"name": membership_request.user}
            )
            return redirect("accounts:membership_requests")
    return render(
        request,
        "accounts/membership_request_refuse.html",
        {"membership_request": membership_request, "form": form},
        status=400 if request.method == "POST" else 200,
    )
