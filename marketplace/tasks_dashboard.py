"""Dashboard exports built in the background, and the monthly report to bureau staff (spec §8).

An export is a small job directory under ``MEDIA_ROOT/dashboard-exports/<id>/`` (a JSON
record of state and progress, then the workbook), like the contract import job
(``tasks_contracts``): working files of one request, not ledger data. The media
view never serves this folder; the dashboard's staff-only view does.

Both tasks are thin and idempotent: a finished job is left alone, and a month's
report is sent once (a marker file records it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import DatabaseError
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from marketplace import dashboard as figures
from marketplace.dashboard_exports import dashboard_workbook, workbook

logger = logging.getLogger(__name__)

JOB_ID_RE = re.compile(r"^[0-9a-f]{32}$")
RECORD = "job.json"
WORKBOOK = "dashboard.xlsx"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


# --- export jobs -------------------------------------------------------------------------------
def _job_dir(job_id: str) -> Path:
    if not JOB_ID_RE.match(job_id or ""):
        raise KeyError(job_id)
    return Path(settings.MEDIA_ROOT) / "dashboard-exports" / job_id


def job_create(*, user_id: int | None, year: int, quarter: int | None) -> str:
    job_id = secrets.token_hex(16)
    _job_dir(job_id).mkdir(parents=True, exist_ok=False)
    job_save(
        job_id,
        {
            "id": job_id,
            "user_id": user_id,
            "year": year,
            "quarter": quarter,
            "state": QUEUED,
            "done": 0,
            "total": 0,
            "percent": 0,
            "error": "",
            "created_at": timezone.now().isoformat(),
        },
    )
    return job_id


def job_load(job_id: str) -> dict[str, Any]:
    try:
        return json.loads((_job_dir(job_id) / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyError(job_id) from exc


def job_save(job_id: str, record: dict[str, Any]) -> None:
    # Write then rename, so the polling page never reads half a record.
    folder = _job_dir(job_id)
    temporary = folder / f"{RECORD}.{secrets.token_hex(4)}.tmp"
    temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, folder / RECORD)


def job_update(job_id: str, **values: Any) -> dict[str, Any]:
    record = job_load(job_id)
    record.update(values)
    job_save(job_id, record)
    return record


def job_file(job_id: str) -> Path:
    return _job_dir(job_id) / WORKBOOK


def download_name(job: dict[str, Any]) -> str:
    quarter = f"-q{job['quarter']}" if job.get("quarter") else ""
    return f"dashboard-{job['year']}{quarter}.xlsx"


def _progress(job_id: str):
    last = {"percent": -1}

    def report(done: int, total: int) -> None:
        # The ledger sheet is most of the work: figures first (5 %), then its rows.
        percent = 5 + (94 * done // total if total else 94)
        if percent != last["percent"]:
            last["percent"] = percent
            job_update(job_id, done=done, total=total, percent=percent)

    return report


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def build_dashboard_export(self, job_id: str) -> str:
    """Build the workbook of a job: the dashboard's figures and the period's ledger."""
    try:
        record = job_load(job_id)
    except KeyError:
        logger.warning("Dashboard export job %s not found", job_id)
        return "missing"
    if record["state"] in (DONE, FAILED):
        return record["state"]
    job_update(job_id, state=RUNNING, percent=1, started_at=timezone.now().isoformat())
    try:
        content = dashboard_workbook(
            record["year"], quarter=record.get("quarter"), progress=_progress(job_id)
        )
    except DatabaseError:
        job_update(job_id, state=QUEUED)  # the retry picks it up again
        raise
    except Exception:
        logger.exception("Dashboard export job %s failed", job_id)
        job_update(
            job_id,
            state=FAILED,
            error=_("导出时发生意外错误，请稍后重试或联系管理员。"),
            finished_at=timezone.now().isoformat(),
        )
        return FAILED
    temporary = job_file(job_id).with_suffix(".tmp")
    temporary.write_bytes(content)
    os.replace(temporary, job_file(job_id))
    job_update(job_id, state=DONE, percent=100, finished_at=timezone.now().isoformat())
    return DONE


# --- the monthly report ----------------------------------------------------------------------
def report_recipients() -> list[str]:
    """Active bureau staff (the role, or superusers) with an e-mail address."""
    users = User.objects.filter(
        Q(memberships__role=Role.BUREAU_STAFF) | Q(is_superuser=True), is_active=True
    ).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _report_marker(month: dt.date) -> Path:
    return Path(settings.MEDIA_ROOT) / "dashboard-reports" / f"{month:%Y-%m}.sent"


@shared_task(autoretry_for=(DatabaseError, OSError), retry_backoff=True, max_retries=5)
def send_monthly_report(today: str | None = None) -> str:
    """E-mail last month's figures (as of its last day) to bureau staff, once per month.

    The beat runs it on the 1st; ``today`` (ISO date) is for tests and reruns.
    """
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    as_of = day.replace(day=1) - dt.timedelta(days=1)  # the last day of last month
    marker = _report_marker(as_of)
    if marker.exists():
        return "already-sent"
    recipients = report_recipients()
    if not recipients:
        return "no-recipients"
    data = figures.dashboard(as_of.year, today=as_of)
    context = {
        "figures": data,
        "month": as_of,
        "dashboard_url": settings.SITE_URL + reverse("marketplace:dashboard"),
    }
    subject = _("%(year)d 年 %(month)d 月技术合同登记月报") % {
        "year": as_of.year,
        "month": as_of.month,
    }
    message = EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=render_to_string("marketplace/dashboard/monthly_report.txt", context),
        to=recipients,
    )
    # Figures only: a year's ledger can be far too large for e-mail (download it instead).
    message.attach(f"report-{as_of:%Y-%m}.xlsx", workbook(data, with_ledger=False), XLSX_TYPE)
    message.send()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(timezone.now().isoformat(), encoding="utf-8")
    return "sent"
