"""What the review screens share: the reason form, the staff-only viewset and the decision view."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet

from accounts.models import Organisation, OrganisationKind, VerificationStatus
from accounts.selectors import is_bureau_staff
from lib.errors import DomainError
from marketplace.admin_views.permissions import BureauStaffOnlyMixin, BureauStaffPermissionPolicy
from marketplace.models import TechField


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("退回原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("发布者会看到这条说明，请写明需要修改的地方。"),
        error_messages={"required": gettext_lazy("请填写退回原因，发布者会看到这条说明。")},
    )


def organisation_status_label(organisation: Organisation) -> str:
    """The organisation's verification status, saying plainly when approval will be refused."""
    if organisation.is_verified:
        return organisation.get_status_display()
    return _("%(status)s（机构未认证，不能通过）") % {"status": organisation.get_status_display()}


class ReviewFilterFields(WagtailFilterSet):
    """Filters every review list offers (spec §3): field, organisation, its type, submitted date.

    ``prefix`` is the lookup path from the listed model to the listing fields.
    """

    tech_field = django_filters.ModelChoiceFilter(
        label=gettext_lazy("技术领域"),
        queryset=TechField.objects.filter(parent=None),
        method="filter_tech_field",
    )
    organisation = django_filters.ModelChoiceFilter(
        label=gettext_lazy("所属机构"),
        queryset=Organisation.objects.exclude(kind=OrganisationKind.GOVERNMENT),
        method="filter_organisation",
    )
    organisation_kind = django_filters.ChoiceFilter(
        label=gettext_lazy("机构类型"),
        choices=OrganisationKind.choices,
        method="filter_organisation_kind",
    )
    organisation_status = django_filters.ChoiceFilter(
        label=gettext_lazy("机构认证状态"),
        choices=VerificationStatus.choices,
        method="filter_organisation_status",
    )

    def listing_filter(self, queryset, condition: Q):
        """Narrow the queryset to rows whose listing meets ``condition``."""
        return queryset.filter(condition)

    def filter_tech_field(self, queryset, name, value):
        # The national fields are offered; each also finds listings filed under its subfields.
        return self.listing_filter(queryset, Q(tech_field=value) | Q(tech_field__parent=value))

    def filter_organisation(self, queryset, name, value):
        return self.listing_filter(queryset, Q(organisation=value))

    def filter_organisation_kind(self, queryset, name, value):
        return self.listing_filter(queryset, Q(organisation__kind=value))

    def filter_organisation_status(self, queryset, name, value):
        return self.listing_filter(queryset, Q(organisation__status=value))


def submitted_date_filter(field_name: str) -> django_filters.DateFromToRangeFilter:
    return django_filters.DateFromToRangeFilter(
        field_name=field_name, label=gettext_lazy("提交日期"), widget=DateRangePickerWidget
    )


class ReviewViewSet(ModelViewSet):
    """A review list with a review page and approve / return actions, for bureau staff only.

    It is not a model admin: there is no add, edit or delete, no admin URL finder and
    no model permissions to hand out; access is the bureau role (permissions.py).
    """

    add_to_reference_index = False
    copy_view_enabled = False
    list_per_page = 50
    review_view_class: type | None = None
    approve_view_class: type | None = None
    return_view_class: type | None = None

    def register_admin_url_finder(self):
        pass

    def register_permissions(self):
        pass

    @cached_property
    def review_policy(self) -> BureauStaffPermissionPolicy:
        return BureauStaffPermissionPolicy(self.model, actions=("view",))

    @cached_property
    def menu_item_class(self):
        def is_shown(_self, request):
            return is_bureau_staff(request.user)

        return type(f"{self.__class__.__name__}MenuItem", (MenuItem,), {"is_shown": is_shown})

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            permission_policy=self.review_policy,
            review_url_name=self.get_url_name("review"),
            approve_url_name=self.get_url_name("approve"),
            return_url_name=self.get_url_name("return"),
            add_url_name=None,
            edit_url_name=None,
            delete_url_name=None,
            history_url_name=None,
            usage_url_name=None,
            **kwargs,
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.construct_view(self.review_view_class), name="review"),
            path("<int:pk>/approve/", self.construct_view(self.approve_view_class), name="approve"),
            path("<int:pk>/return/", self.construct_view(self.return_view_class), name="return"),
        ]


class ReviewObjectMixin(BureauStaffOnlyMixin, WagtailAdminTemplateMixin):
    """A page about one item of a review list; the item is loaded only after the staff check."""

    model = None
    index_url_name: str | None = None
    review_url_name: str | None = None
    approve_url_name: str | None = None
    return_url_name: str | None = None
    permission_policy = None

    def get_object(self):
        raise NotImplementedError

    @cached_property
    def object(self):
        return self.get_object()

    def get_index_label(self) -> str:
        return str(self.model._meta.verbose_name_plural)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": self.get_index_label()},
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()},
        ]

    def action_urls(self) -> dict[str, str]:
        pk = self.kwargs["pk"]
        return {
            "index_url": reverse(self.index_url_name),
            "review_url": reverse(self.review_url_name, args=[pk]),
            "approve_url": reverse(self.approve_url_name, args=[pk]),
            "return_url": reverse(self.return_url_name, args=[pk]),
        }


class DecisionView(ReviewObjectMixin, TemplateView):
    """GET: a confirmation page; POST: the decision, made by a service (CSRF-protected).

    A refusal by the service (a DomainError) is shown as an error message on the
    review page and changes nothing.
    """

    decision = "approve"  # or "return"
    template_name = "marketplace/admin/decide.html"

    def perform(self, reason: str) -> Any:
        raise NotImplementedError

    def get_success_message(self) -> str:
        raise NotImplementedError

    def get_page_title(self):
        return _("通过") if self.decision == "approve" else _("退回")

    def get_page_subtitle(self):
        return str(self.object)

    def get_form(self) -> ReasonForm | None:
        if self.decision != "return":
            return None
        return ReasonForm(self.request.POST if self.request.method == "POST" else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.action_urls())
        context.setdefault("form", self.get_form())
        context.update(
            object=self.object,
            decision=self.decision,
            submit_url=context["approve_url" if self.decision == "approve" else "return_url"],
            next_url=get_valid_next_url_from_request(self.request),
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = self.get_form()
        if form is not None and not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        urls = self.action_urls()
        try:
            self.perform(form.cleaned_data["reason"] if form is not None else "")
        except DomainError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(urls["review_url"])
        messages.success(request, self.get_success_message())
        return redirect(get_valid_next_url_from_request(request) or urls["index_url"])
