"""Bureau staff verify organisations in the Wagtail admin (spec §1)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import MenuItem

from accounts import services
from accounts.models import Organisation, VerificationStatus
from accounts.selectors import is_bureau_staff
from lib.errors import DomainError


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=300, widget=forms.Textarea)


class OrganisationIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.status != VerificationStatus.VERIFIED:
            buttons.append(
                MenuItem(
                    _("认证通过"),
                    url=reverse("organisations:verify", args=[instance.pk]),
                    icon_name="tick",
                    priority=5,
                )
            )
        if instance.status == VerificationStatus.PENDING:
            buttons.append(
                MenuItem(
                    _("不予认证"),
                    url=reverse("organisations:reject", args=[instance.pk]),
                    icon_name="cross",
                    priority=6,
                )
            )
        return buttons


def _decide(request: HttpRequest, pk: int, *, reject: bool) -> HttpResponse:
    if not is_bureau_staff(request.user):
        raise Http404
    organisation = get_object_or_404(Organisation, pk=pk)
    form = ReasonForm(request.POST or None) if reject else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            if reject:
                services.organisation_reject(
                    organisation=organisation, by=request.user, reason=form.cleaned_data["reason"]
                )
            else:
                services.organisation_verify(organisation=organisation, by=request.user)
        except DomainError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                (_("已认证：%(name)s") if not reject else _("未通过认证：%(name)s"))
                % {"name": organisation.name},
            )
        return redirect("organisations:index")
    return TemplateResponse(
        request,
        "accounts/admin/organisation_decide.html",
        {"organisation": organisation, "form": form, "reject": reject},
    )


def verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, reject=False)


def reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, reject=True)


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "group"
    menu_label = gettext_lazy("机构认证")
    add_to_admin_menu = True
    menu_order = 200
    index_view_class = OrganisationIndexView
    list_display = ["name", "kind", "region_code", "credit_code", "status", "verified_at"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "credit_code"]
    form_fields = [
        "name",
        "kind",
        "region_code",
        "credit_code",
        "description",
        "website",
        "address",
    ]
    copy_view_enabled = False

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("verify/<int:pk>/", verify_view, name="verify"),
            path("reject/<int:pk>/", reject_view, name="reject"),
        ]


organisation_viewset = OrganisationViewSet("organisations")
