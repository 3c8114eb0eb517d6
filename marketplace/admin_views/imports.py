"""Offline contract import for bureau staff (线下合同导入, spec §6, §10) in the Wagtail admin.

Upload → preview → confirm → result. The preview is ``import_contracts(dry_run=True)``,
which runs every rule and rolls back, so it shows exactly what the real run will do and
writes nothing. Confirming queues ``import_contracts_task`` for the job; the result page
refreshes itself (a plain meta refresh, no JavaScript) until the job is done.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError
from openpyxl import Workbook
from wagtail.admin import messages

from marketplace import tasks_contracts as jobs
from marketplace.admin_views.contracts import StaffPageView, StaffViewSet
from marketplace.imports import ImportFileError, import_contracts

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("合同表格"),
        help_text=gettext_lazy(
            "CSV（UTF-8）或 XLSX，第 1 行为表头（合同编号、合同名称、合同类型、卖方名称……）。"
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in (".csv", ".xlsx"):
            raise forms.ValidationError(_("请上传 CSV 或 XLSX 文件。"))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 10 MB。"))
        return upload


class ImportUploadView(StaffPageView):
    template_name = "marketplace/admin/contracts/import_upload.html"
    page_title = gettext_lazy("线下合同导入")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ImportUploadForm())
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        content = upload.read()
        try:
            report = import_contracts(content=content, name=upload.name, dry_run=True, by=None)
        except ImportFileError as exc:
            messages.error(request, str(exc))
            form.add_error("file", str(exc))
            return self.render_to_response(self.get_context_data(form=form))
        job_id = jobs.job_create(content=content, name=upload.name, user_id=request.user.pk)
        jobs.job_update(job_id, preview=report.as_dict())
        return redirect("contract_imports:preview", job_id)


class ImportJobMixin:
    index_url_name = "contract_imports:upload"
    index_label = gettext_lazy("线下合同导入")

    @cached_property
    def job(self) -> dict[str, Any]:
        try:
            return jobs.job_load(self.kwargs["job_id"])
        except KeyError as exc:
            raise Http404 from exc

    def get_page_subtitle(self):
        return self.job["name"]


class ImportPreviewView(ImportJobMixin, StaffPageView):
    template_name = "marketplace/admin/contracts/import_preview.html"
    page_title = gettext_lazy("导入预览")

    def get(self, request, *args, **kwargs):
        if self.job["state"] != jobs.PREVIEWED:
            return redirect("contract_imports:result", self.job["id"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            job=self.job,
            report=self.job["preview"],
            confirm_url=reverse("contract_imports:confirm", args=[self.job["id"]]),
            upload_url=reverse("contract_imports:upload"),
            xlsx_url=reverse("contract_imports:report_xlsx", args=[self.job["id"]]),
        )
        return context


class ImportConfirmView(ImportJobMixin, StaffPageView):
    """POST only (CSRF-protected): queue the real import once; a repeat just shows the result."""

    def get(self, request, *args, **kwargs):
        return redirect("contract_imports:preview", self.job["id"])

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        job_id = self.job["id"]
        if self.job["state"] == jobs.PREVIEWED:
            jobs.job_update(job_id, state=jobs.QUEUED, confirmed_by=request.user.pk)
            try:
                jobs.import_contracts_task.delay(job_id)
            except OperationalError:
                jobs.job_update(
                    job_id,
                    state=jobs.FAILED,
                    error=_("任务队列暂时不可用，导入未开始，请稍后重新上传。"),
                )
        return redirect("contract_imports:result", job_id)


class ImportResultView(ImportJobMixin, StaffPageView):
    template_name = "marketplace/admin/contracts/import_result.html"
    page_title = gettext_lazy("导入结果")

    def get(self, request, *args, **kwargs):
        if self.job["state"] == jobs.PREVIEWED:
            return redirect("contract_imports:preview", self.job["id"])
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.job["state"]
        context.update(
            job=self.job,
            report=self.job["result"],
            pending=state in (jobs.QUEUED, jobs.RUNNING),
            failed=state == jobs.FAILED,
            xlsx_url=reverse("contract_imports:report_xlsx", args=[self.job["id"]]),
            upload_url=reverse("contract_imports:upload"),
            contracts_url=reverse("contract_registry:index") + "?source=offline",
        )
        return context


def report_workbook(report: dict[str, Any], *, title: str) -> bytes:
    """The import report as XLSX: the counts, then one line per rejected row with its errors."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("导入结果")
    sheet.append([title])
    sheet.append([_("新增"), report["created"]])
    sheet.append([_("更新"), report["updated"]])
    sheet.append([_("未变"), report["unchanged"]])
    sheet.append([_("拒绝"), len(report["rejected"])])
    rejected = book.create_sheet(_("被拒绝的行"))
    rejected.append([_("行号"), _("错误")])
    for item in report["rejected"]:
        rejected.append([item["row"], "；".join(item["errors"])])
    rejected.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class ImportReportXlsxView(ImportJobMixin, StaffPageView):
    """The result of the real run when there is one, else the preview's."""

    def get(self, request, *args, **kwargs):
        job = self.job
        report = job["result"] or job["preview"]
        if report is None:
            raise Http404
        title = (
            _("导入结果：%(name)s") if job["result"] else _("导入预览（未写入）：%(name)s")
        ) % {"name": job["name"]}
        response = HttpResponse(report_workbook(report, title=title), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="import-{job["id"]}.xlsx"'
        return response


class ContractImportViewSet(StaffViewSet):
    def get_urlpatterns(self):
        return [
            path("", ImportUploadView.as_view(), name="upload"),
            path("<str:job_id>/", ImportPreviewView.as_view(), name="preview"),
            path("<str:job_id>/confirm/", ImportConfirmView.as_view(), name="confirm"),
            path("<str:job_id>/result/", ImportResultView.as_view(), name="result"),
            path("<str:job_id>/result.xlsx", ImportReportXlsxView.as_view(), name="report_xlsx"),
        ]


contract_import_viewset = ContractImportViewSet(
    "contract_imports",
    url_prefix="contracts/import",
    icon="upload",
    menu_label=gettext_lazy("线下合同导入"),
)
