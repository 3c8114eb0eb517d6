"""Bureau staff decide join requests to organisations that have no admin of their own (加入申请).

An organisation with an admin decides its own requests on the public site
(``accounts.views_membership``); the services refuse staff there. The rules are the
services'; these views only show the queue and call them.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.defaults import permission_denied
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet

from accounts import selectors, services
from accounts.forms import RefuseForm
from accounts.models import MembershipRequest

INDEX = "membership_requests_admin:index"


class StaffOnlyMixin:
    """First in the bases: anyone but bureau staff gets 403 before anything loads (spec §10)."""

    def dispatch(self, request, *args, **kwargs):
        if not selectors.is_bureau_staff(request.user):
            return permission_denied(request, PermissionDenied())
        return super().dispatch(request, *args, **kwargs)


class QueueView(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "accounts/admin/membership_requests.html"
    page_title = gettext_lazy("加入机构申请")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["requests"] = selectors.membership_requests_awaiting_bureau()[:200]
        return context


class RequestMixin(StaffOnlyMixin, WagtailAdminTemplateMixin):
    @cached_property
    def object(self) -> MembershipRequest:
        found = selectors.membership_requests_awaiting_bureau().filter(pk=self.kwargs["pk"]).first()
        if found is None:  # decided already, unknown, or its organisation has an admin now
            raise Http404
        return found

    def get_page_subtitle(self):
        return str(self.object.organisation)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(INDEX), "label": _("加入机构申请")},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]


class DecideView(RequestMixin, TemplateView):
    """GET: a confirmation page (approve) or the reason form (refuse); POST: the service."""

    template_name = "accounts/admin/membership_request_decide.html"
    refuse = False

    def get_page_title(self):
        return _("不同意加入申请") if self.refuse else _("同意加入申请")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", RefuseForm() if self.refuse else None)
        context.update(membership_request=self.object, refuse=self.refuse, index_url=reverse(INDEX))
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = RefuseForm(request.POST) if self.refuse else None
        if form is not None and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            if self.refuse:
                services.membership_request_refuse(
                    membership_request=self.object,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            else:
                services.membership_request_approve(membership_request=self.object, by=request.user)
        except ValidationError as exc:  # DomainError and NotAllowed included
            messages.error(request, " ".join(exc.messages))
            return self.render_to_response(self.get_context_data(form=form))
        done = _("已不同意：%(name)s") if self.refuse else _("已同意：%(name)s")
        messages.success(request, done % {"name": self.object.user})
        return redirect(INDEX)


class MembershipRequestViewSet(ViewSet):
    add_to_admin_menu = True
    menu_order = 201

    @cached_property
    def menu_item_class(self):
        def is_shown(_self, request):
            return selectors.is_bureau_staff(request.user)

        return type("MembershipRequestMenuItem", (MenuItem,), {"is_shown": is_shown})

    def get_urlpatterns(self):
        return [
            path("", QueueView.as_view(), name="index"),
            path("<int:pk>/approve/", DecideView.as_view(refuse=False), name="approve"),
            path("<int:pk>/refuse/", DecideView.as_view(refuse=True), name="refuse"),
        ]


membership_request_viewset = MembershipRequestViewSet(
    "membership_requests_admin",
    url_prefix="membership-requests",
    icon="user",
    menu_label=gettext_lazy("加入申请"),
)
