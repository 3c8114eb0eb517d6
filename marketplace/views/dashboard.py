"""The bureau dashboard (数据看板, spec §8, §10 ``/dashboard/``) and its Excel exports.

Bureau staff only: an anonymous visitor is sent to sign in, anyone else gets 403
and sees nothing. Every figure comes from ``marketplace.dashboard``; an export is
built by a Celery task (``marketplace.tasks_dashboard``) and downloaded here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import is_bureau_staff
from marketplace import dashboard as figures
from marketplace import tasks_dashboard as exports

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def chart_data(data: dict) -> dict:
    """What the charts draw, for ``json_script``: the same numbers as the tables, as text.

    Amounts stay exact decimal strings; the script turns them into numbers only to draw.
    """
    measure = data["progress"]["measure"]

    def rows(items: list[dict]) -> list[dict]:
        return [
            {
                "label": str(r["label"]),
                "contracts": r["contracts"],
                "tech_amount": str(r["tech_amount"]),
                "contract_amount": str(r["contract_amount"]),
                "amount": str(r[measure]),
            }
            for r in items
        ]

    return {
        "year": data["year"],
        "measure": measure,
        "measure_label": data["progress"]["measure_label"],
        "target": str(data["progress"]["target"]),
        "months": [
            {
                "month": r["month"],
                "label": _("%(month)d 月") % {"month": r["month"]},
                "counted": str(r["counted"]),
                "cumulative": str(r["cumulative"]),
                "target_line": str(r["target_line"]),
            }
            for r in data["months"]
        ],
        "by_type": rows(data["by_type"]),
        "by_field": rows(data["by_field"]),
        "by_seller_kind": rows(data["by_seller_kind"]),
        "by_flow": rows(data["by_flow"]["partition"]),
        "funnel": [{"label": str(r["label"]), "count": r["count"]} for r in data["funnel"]],
        "labels": {
            "monthly": _("当月计入"),
            "cumulative": _("累计"),
            "target_line": _("目标进度线"),
            "contracts": _("合同数"),
        },
    }


def staff_only(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_bureau_staff(request.user):
            raise PermissionDenied(_("数据看板仅限科技局工作人员查看。"))
        return view(request, *args, **kwargs)

    return wrapped


class DashboardFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("年度"), coerce=int)
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("季度"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[
            ("", gettext_lazy("全年")),
            (1, gettext_lazy("第一季度")),
            (2, gettext_lazy("第二季度")),
            (3, gettext_lazy("第三季度")),
            (4, gettext_lazy("第四季度")),
        ],
    )

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, _("%(year)d 年") % {"year": y}) for y in years]
        self.fields["year"].error_messages["invalid_choice"] = _(
            "没有 %(value)s 年的数据，请从列表中选择年度。"
        )
        self.fields["quarter"].error_messages["invalid_choice"] = _("季度应为 1 至 4。")


def _filters(request: HttpRequest) -> tuple[DashboardFilterForm, int, int | None]:
    """The chosen year and quarter; a bad value shows its error and the default is used."""
    today = timezone.localdate()
    years = figures.available_years(today)
    data = request.GET if request.GET else None
    form = DashboardFilterForm(data, years=years, initial={"year": today.year})
    if data is not None and form.is_valid():
        return form, form.cleaned_data["year"], form.cleaned_data["quarter"]
    return form, today.year, None


@require_safe
@staff_only
def dashboard(request: HttpRequest) -> HttpResponse:
    form, year, quarter = _filters(request)
    data = figures.dashboard(year, quarter=quarter)
    return render(
        request,
        "marketplace/dashboard/index.html",
        {
            "form": form,
            "figures": data,
            "charts": chart_data(data),
            "page_title": _("数据看板"),
        },
    )


@require_POST
@staff_only
def export_start(request: HttpRequest) -> HttpResponse:
    form = DashboardFilterForm(request.POST, years=figures.available_years())
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("marketplace:dashboard")
    job_id = exports.job_create(
        user_id=request.user.pk,
        year=form.cleaned_data["year"],
        quarter=form.cleaned_data["quarter"],
    )
    transaction.on_commit(lambda: exports.build_dashboard_export.delay(job_id))
    return redirect("marketplace:dashboard_export", job_id=job_id)


def _job(job_id: str) -> dict:
    try:
        return exports.job_load(job_id)
    except KeyError:
        raise Http404 from None


@require_safe
@staff_only
def export_status(request: HttpRequest, job_id: str) -> HttpResponse:
    job = _job(job_id)
    status = {
        "state": job["state"],
        "done": job.get("done", 0),
        "total": job.get("total", 0),
        "percent": job.get("percent", 0),
        "error": job.get("error", ""),
        "download_url": reverse("marketplace:dashboard_export_download", args=[job_id])
        if job["state"] == exports.DONE
        else "",
    }
    if request.GET.get("format") == "json":
        return JsonResponse(status)
    return render(
        request,
        "marketplace/dashboard/export.html",
        {
            "job": job,
            "status": status,
            "pending": job["state"] in (exports.QUEUED, exports.RUNNING),
            "dashboard_url": reverse("marketplace:dashboard")
            + f"?year={job['year']}"
            + (f"&quarter={job['quarter']}" if job.get("quarter") else ""),
            "page_title": _("导出数据看板"),
        },
    )


@require_safe
@staff_only
def export_download(request: HttpRequest, job_id: str) -> FileResponse:
    job = _job(job_id)
    path = exports.job_file(job_id)
    if job["state"] != exports.DONE or not path.is_file():
        raise Http404
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=exports.download_name(job),
        content_type=XLSX_TYPE,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
