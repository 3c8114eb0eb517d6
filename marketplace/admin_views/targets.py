"""Yearly targets (年度目标, spec §7) and the ledger export (导出台账) for bureau staff.

The edit form calls ``target_save``; the progress shown and the exported rows come from
``marketplace.ledger``, the one place that decides what counts.
"""

from __future__ import annotations

import datetime as dt
import io

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from wagtail.admin import messages

from marketplace.admin_views.contracts import StaffPageView, StaffViewSet, error_text
from marketplace.dashboard import public_progress
from marketplace.ledger import counted_contracts, target_for, year_in_range
from marketplace.models import Target, TargetBasis, TargetMeasure
from marketplace.services.contracts import target_save

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"


class TargetForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("目标金额（元）"), max_digits=16, decimal_places=2, min_value=0
    )
    district_code = forms.CharField(
        label=gettext_lazy("统计区域代码"),
        max_length=6,
        help_text=gettext_lazy("6 位区县代码；区内街道代码一并统计。"),
    )
    measure = forms.ChoiceField(label=gettext_lazy("统计口径"), choices=TargetMeasure.choices)
    basis = forms.ChoiceField(label=gettext_lazy("统计范围"), choices=TargetBasis.choices)


class TargetIndexView(StaffPageView):
    template_name = "marketplace/admin/contracts/targets.html"
    page_title = gettext_lazy("年度目标")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        this_year = dt.date.today().year
        years = set(Target.objects.values_list("year", flat=True)) | {this_year}
        rows = []
        for year in sorted(years, reverse=True):
            target = target_for(year)
            rows.append(
                {
                    "target": target,
                    "saved": target.pk is not None,
                    # Year-end figures from the rollups (the ledger's own reading
                    # takes minutes at a million contracts; tests keep them equal).
                    "progress": public_progress(year, today=dt.date(year, 12, 31)),
                    "edit_url": reverse("contract_targets:edit", args=[year]),
                    "export_url": reverse("contract_targets:ledger_export", args=[year]),
                }
            )
        context.update(
            rows=rows, next_year_url=reverse("contract_targets:edit", args=[this_year + 1])
        )
        return context


class YearPageMixin:
    """A page of one year's target: a year no calendar holds has no such page (404, and
    only once the staff check has answered everyone else with 403)."""

    @property
    def year(self) -> int:
        if not year_in_range(year := self.kwargs["year"]):
            raise Http404
        return year


class TargetEditView(StaffPageView, YearPageMixin):
    template_name = "marketplace/admin/contracts/target_edit.html"
    index_url_name = "contract_targets:index"
    index_label = gettext_lazy("年度目标")

    def get_page_title(self):
        return _("%(year)d 年度目标") % {"year": self.year}

    def get_form(self, data=None) -> TargetForm:
        target = target_for(self.year)
        return TargetForm(
            data,
            initial={
                "amount": target.amount,
                "district_code": target.district_code,
                "measure": target.measure,
                "basis": target.basis,
            },
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", self.get_form())
        context.update(
            year=self.year,
            submit_url=reverse("contract_targets:edit", args=[self.year]),
            index_url=reverse("contract_targets:index"),
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            target_save(year=self.year, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("%(year)d 年度目标已保存。") % {"year": self.year})
        return redirect("contract_targets:index")


LEDGER_COLUMNS = (
    gettext_lazy("合同编号"),
    gettext_lazy("合同名称"),
    gettext_lazy("合同类型"),
    gettext_lazy("卖方名称"),
    gettext_lazy("卖方行政区划"),
    gettext_lazy("买方名称"),
    gettext_lazy("买方行政区划"),
    gettext_lazy("登记编号"),
    gettext_lazy("登记日期"),
    gettext_lazy("合同成交额（元）"),
    gettext_lazy("技术交易额（元）"),
    gettext_lazy("计入金额（元）"),
)


def ledger_workbook(year: int) -> bytes:
    """The year's counted contracts (amounts in force at year end) under the year's target."""
    target = target_for(year)
    book = Workbook()
    sheet = book.active
    sheet.title = _("%(year)d 年台账") % {"year": year}
    sheet.append([str(c) for c in LEDGER_COLUMNS])
    counted = counted_contracts(year, district_code=target.district_code, basis=target.basis)
    for item in counted:
        contract = item.contract
        sheet.append(
            [
                contract.contract_no,
                contract.title,
                contract.get_contract_type_display(),
                contract.seller_name,
                contract.seller_region,
                contract.buyer_name,
                contract.buyer_region,
                contract.registration_no,
                contract.registered_on,
                item.contract_amount,
                item.tech_amount,
                item.amount(target.measure),
            ]
        )
    for row in sheet.iter_rows(min_row=2):
        row[8].number_format = "yyyy-mm-dd"
        for cell in row[9:12]:
            cell.number_format = MONEY_FORMAT
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class LedgerExportView(StaffPageView, YearPageMixin):
    def get(self, request, *args, **kwargs):
        year = self.year
        response = HttpResponse(ledger_workbook(year), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="ledger-{year}.xlsx"'
        return response


class TargetViewSet(StaffViewSet):
    def get_urlpatterns(self):
        return [
            path("", TargetIndexView.as_view(), name="index"),
            path("<int:year>/edit/", TargetEditView.as_view(), name="edit"),
            path("<int:year>/ledger.xlsx", LedgerExportView.as_view(), name="ledger_export"),
        ]


target_viewset = TargetViewSet(
    "contract_targets",
    url_prefix="contracts/targets",
    icon="tasks",
    menu_label=gettext_lazy("年度目标与台账"),
)
