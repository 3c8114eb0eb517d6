from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import selectors, services
from accounts.forms import OrganisationRegisterForm, ProfileForm


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST or None, initial={"display_name": user.display_name, "phone": user.phone}
    )
    if request.method == "POST" and form.is_valid():
        services.profile_update(user=user, **form.cleaned_data)
        messages.success(request, _("个人信息已保存。"))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "memberships": selectors.memberships_of(user),
            "membership_requests": selectors.membership_requests_of(user)[:20],
            "administers": bool(selectors.administered_organisation_ids(user)),
            "pending_to_decide": selectors.pending_request_count_for_admin(user),
        },
    )


@login_required
def organisation_register(request: HttpRequest) -> HttpResponse:
    form = OrganisationRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        role = data.pop("role")
        services.organisation_create(created_by=request.user, role=role, **data)
        messages.success(request, _("机构已提交，科技局工作人员认证后即可公开发布成果和需求。"))
        return redirect("accounts:profile")
    return render(request, "accounts/organisation_register.html", {"form": form})
