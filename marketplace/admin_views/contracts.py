"""The bureau's contract registration screens (合同登记, spec §6) in the Wagtail admin.

A list of contracts with filters and search, a page per contract with every field,
its ContractEvent timeline and adjustments, and the four bureau actions: register,
reject, amend, cancel. The actions only call ``marketplace.services.contracts``;
every rule (state, 16-digit number, dates, amounts) is the service's, and a refusal
is shown as an admin error message above the form, which keeps what was typed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.core.validators import RegexValidator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import AdminDateInput

from accounts.selectors import is_bureau_staff
from marketplace.admin_views.permissions import BureauStaffOnlyMixin
from marketplace.models import (
    ContractAdjustment,
    ContractEvent,
    ContractSource,
    ContractStatus,
    ContractType,
    TechContract,
)
from marketplace.models.contracts import REGISTRATION_NO_RE
from marketplace.services import contracts as services
from marketplace.templatetags.money import money

# ContractEvent.action codes written by marketplace.services.contracts.
EVENT_ACTIONS = {
    "create": gettext_lazy("创建"),
    "update": gettext_lazy("修改"),
    "submit": gettext_lazy("提交登记"),
    "register": gettext_lazy("登记"),
    "reject": gettext_lazy("不予登记"),
    "amend": gettext_lazy("变更"),
    "cancel": gettext_lazy("注销"),
}
MONEY_FIELDS = {"contract_amount", "tech_amount"}
EMPTY = "—"


# --- shared by the contract, import and target screens ---------------------------------------
class StaffViewSet(ViewSet):
    """A group of bureau-only admin pages; the menu item shows for bureau staff only."""

    @cached_property
    def menu_item_class(self):
        def is_shown(_self, request):
            return is_bureau_staff(request.user)

        return type(f"{self.__class__.__name__}MenuItem", (MenuItem,), {"is_shown": is_shown})


class StaffPageView(BureauStaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """An admin page only bureau staff reach (403 for everyone else, before anything loads)."""

    page_title = ""
    index_url_name: str | None = None
    index_label = ""

    def get_page_title(self):
        return str(self.page_title)

    def get_breadcrumbs_items(self):
        items = list(self.breadcrumbs_items)
        if self.index_url_name:
            items.append({"url": reverse(self.index_url_name), "label": str(self.index_label)})
        items.append(
            {"url": "", "label": self.get_page_title(), "sublabel": self.get_page_subtitle()}
        )
        return items


def error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


# --- the list -----------------------------------------------------------------------------
class ContractFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("合同编号、名称或当事方")}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("登记状态"),
        required=False,
        choices=[("", gettext_lazy("全部"))] + list(ContractStatus.choices),
    )
    contract_type = forms.ChoiceField(
        label=gettext_lazy("合同类型"),
        required=False,
        choices=[("", gettext_lazy("全部"))] + list(ContractType.choices),
    )
    year = forms.IntegerField(
        label=gettext_lazy("登记年度"), required=False, min_value=1990, max_value=2999
    )
    source = forms.ChoiceField(
        label=gettext_lazy("来源"),
        required=False,
        choices=[("", gettext_lazy("全部"))] + list(ContractSource.choices),
    )


def filtered_contracts(form: ContractFilterForm) -> QuerySet[TechContract]:
    queryset = TechContract.objects.order_by("-signed_on", "-id")
    if not form.is_valid():
        return queryset
    data = form.cleaned_data
    if data["status"]:
        queryset = queryset.filter(status=data["status"])
    if data["contract_type"]:
        queryset = queryset.filter(contract_type=data["contract_type"])
    if data["year"]:
        queryset = queryset.filter(registered_on__year=data["year"])
    if data["source"]:
        queryset = queryset.filter(source=data["source"])
    if query := (data["q"] or "").strip():
        queryset = queryset.filter(
            Q(contract_no__icontains=query)
            | Q(title__icontains=query)
            | Q(seller_name__icontains=query)
            | Q(buyer_name__icontains=query)
            | Q(registration_no__icontains=query)
        )
    return queryset


class ContractIndexView(StaffPageView):
    template_name = "marketplace/admin/contracts/index.html"
    page_title = gettext_lazy("技术合同")
    per_page = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ContractFilterForm(self.request.GET or None)
        page = Paginator(filtered_contracts(form), self.per_page).get_page(
            self.request.GET.get("p")
        )
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(
            filter_form=form,
            page_obj=page,
            contracts=page.object_list,
            query_string=query.urlencode(),
            import_url=reverse("contract_imports:upload"),
            targets_url=reverse("contract_targets:index"),
        )
        return context


# --- one contract -------------------------------------------------------------------------
def contract_rows(contract: TechContract) -> list[dict[str, str]]:
    """Every field of the contract as (label, readable value)."""
    rows = []
    for field in TechContract._meta.concrete_fields:
        if field.primary_key:
            continue
        value: Any = getattr(contract, field.name)
        if field.choices and value:
            value = getattr(contract, f"get_{field.name}_display")()
        elif field.name in MONEY_FIELDS:
            value = f"{money(value)}（{value:.2f} 元）" if value is not None else EMPTY
        elif isinstance(value, dt.datetime):
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, dt.date):
            value = value.isoformat()
        rows.append(
            {
                "label": str(field.verbose_name),
                "value": EMPTY if value in (None, "") else str(value),
            }
        )
    return rows


def _label(name: str) -> str:
    if name == "effective_on":
        return _("生效日期")
    try:
        return str(TechContract._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def contract_timeline(contract: TechContract) -> list[dict[str, Any]]:
    events = ContractEvent.objects.filter(contract=contract).select_related("actor")
    return [
        {
            "when": event.created_at,
            "who": str(event.actor) if event.actor_id else _("系统"),
            "action": str(EVENT_ACTIONS.get(event.action, event.action)),
            "from_status": event.get_from_status_display(),
            "to_status": event.get_to_status_display(),
            "reason": event.reason,
            "changes": "；".join(
                f"{_label(key)}：{event.before.get(key, EMPTY)} → {event.after.get(key, EMPTY)}"
                if key in event.before
                else f"{_label(key)}：{value}"
                for key, value in {**event.before, **event.after}.items()
            ),
        }
        for event in events
    ]


class RegisterForm(forms.Form):
    registration_no = forms.CharField(
        label=gettext_lazy("登记编号"),
        max_length=16,
        min_length=16,
        validators=[RegexValidator(REGISTRATION_NO_RE, gettext_lazy("登记编号应为 16 位数字。"))],
        help_text=gettext_lazy("16 位数字。"),
    )
    registered_on = forms.DateField(label=gettext_lazy("登记日期"), widget=AdminDateInput)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("不予登记原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("提交方会看到这条说明。"),
        error_messages={"required": gettext_lazy("请填写不予登记的原因，提交方会看到这条说明。")},
    )


def _money_field(label) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=16, decimal_places=2)


class AmendForm(forms.Form):
    effective_on = forms.DateField(label=gettext_lazy("生效日期"), widget=AdminDateInput)
    contract_amount = _money_field(gettext_lazy("变更后合同成交额（元）"))
    tech_amount = _money_field(gettext_lazy("变更后技术交易额（元）"))
    reason = forms.CharField(
        label=gettext_lazy("变更原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写变更的原因。")},
    )


class CancelForm(forms.Form):
    effective_on = forms.DateField(label=gettext_lazy("生效日期"), widget=AdminDateInput)
    reason = forms.CharField(
        label=gettext_lazy("注销原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写注销的原因。")},
    )


ACTION_FORMS: dict[str, tuple[type[forms.Form], Any, set[str]]] = {
    # name: (form, button label, statuses in which the action is offered)
    "register": (RegisterForm, gettext_lazy("登记"), {ContractStatus.SUBMITTED}),
    "reject": (RejectForm, gettext_lazy("不予登记"), {ContractStatus.SUBMITTED}),
    "amend": (AmendForm, gettext_lazy("变更"), {ContractStatus.REGISTERED}),
    "cancel": (CancelForm, gettext_lazy("注销"), {ContractStatus.REGISTERED}),
}


class ContractObjectMixin:
    """Loads the contract named in the URL (after the staff check has passed)."""

    index_url_name = "contract_registry:index"
    index_label = gettext_lazy("技术合同")

    @cached_property
    def object(self) -> TechContract:
        try:
            return TechContract.objects.get(pk=self.kwargs["pk"])
        except TechContract.DoesNotExist as exc:
            raise Http404 from exc

    def get_page_subtitle(self):
        return str(self.object)


class ContractDetailView(ContractObjectMixin, StaffPageView):
    template_name = "marketplace/admin/contracts/detail.html"
    page_title = gettext_lazy("技术合同")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contract = self.object
        cancelled = contract.adjustments.filter(kind="cancellation").exists()
        actions = []
        for name, (form_class, label, statuses) in ACTION_FORMS.items():
            if contract.status in statuses and not (cancelled and name in ("amend", "cancel")):
                actions.append(
                    {
                        "name": name,
                        "label": label,
                        "form": form_class(prefix=name),
                        "url": reverse(f"contract_registry:{name}", args=[contract.pk]),
                    }
                )
        context.update(
            contract=contract,
            rows=contract_rows(contract),
            timeline=contract_timeline(contract),
            adjustments=ContractAdjustment.objects.filter(contract=contract).select_related(
                "created_by"
            ),
            cancelled=cancelled,
            actions=actions,
        )
        return context


class ContractActionView(ContractObjectMixin, StaffPageView):
    """GET: the action's form; POST: the service call. Errors re-show the typed values."""

    template_name = "marketplace/admin/contracts/action.html"
    action = ""

    def get_page_title(self):
        return str(ACTION_FORMS[self.action][1])

    def get_form(self, data=None) -> forms.Form:
        return ACTION_FORMS[self.action][0](data, prefix=self.action)

    def perform(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def success_message(self) -> str:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context.update(
            contract=self.object,
            action=self.action,
            submit_label=ACTION_FORMS[self.action][1],
            submit_url=reverse(f"contract_registry:{self.action}", args=[self.object.pk]),
            detail_url=reverse("contract_registry:detail", args=[self.object.pk]),
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = self.get_form(request.POST)
        if not form.is_valid():
            messages.error(request, _("请改正下面的错误。"))
            return self.render_to_response(self.get_context_data(form=form))
        try:
            self.perform(form.cleaned_data)
        except ValidationError as exc:  # DomainError and NotAllowed included
            messages.error(request, error_text(exc))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, self.success_message())
        return redirect("contract_registry:detail", self.object.pk)


class ContractRegisterView(ContractActionView):
    action = "register"

    def perform(self, data):
        services.contract_register(
            contract=self.object,
            registration_no=data["registration_no"],
            registered_on=data["registered_on"],
            by=self.request.user,
        )

    def success_message(self):
        return _("合同 %(no)s 已登记。") % {"no": self.object.contract_no}


class ContractRejectView(ContractActionView):
    action = "reject"

    def perform(self, data):
        services.contract_reject(contract=self.object, reason=data["reason"], by=self.request.user)

    def success_message(self):
        return _("合同 %(no)s 不予登记。") % {"no": self.object.contract_no}


class ContractAmendView(ContractActionView):
    action = "amend"

    def perform(self, data):
        services.contract_amend(
            contract=self.object,
            effective_on=data["effective_on"],
            contract_amount=data["contract_amount"],
            tech_amount=data["tech_amount"],
            reason=data["reason"],
            by=self.request.user,
        )

    def success_message(self):
        return _("合同 %(no)s 的变更已记录。") % {"no": self.object.contract_no}


class ContractCancelView(ContractActionView):
    action = "cancel"

    def perform(self, data):
        services.contract_cancel(
            contract=self.object,
            effective_on=data["effective_on"],
            reason=data["reason"],
            by=self.request.user,
        )

    def success_message(self):
        return _("合同 %(no)s 已注销。") % {"no": self.object.contract_no}


class ContractViewSet(StaffViewSet):
    def get_urlpatterns(self):
        return [
            path("", ContractIndexView.as_view(), name="index"),
            path("<int:pk>/", ContractDetailView.as_view(), name="detail"),
            path("<int:pk>/register/", ContractRegisterView.as_view(), name="register"),
            path("<int:pk>/reject/", ContractRejectView.as_view(), name="reject"),
            path("<int:pk>/amend/", ContractAmendView.as_view(), name="amend"),
            path("<int:pk>/cancel/", ContractCancelView.as_view(), name="cancel"),
        ]


contract_viewset = ContractViewSet(
    "contract_registry",
    url_prefix="contracts/registry",
    icon="doc-full-inverse",
    menu_label=gettext_lazy("技术合同"),
)
