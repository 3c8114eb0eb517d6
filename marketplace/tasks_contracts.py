"""The offline contract import as a background job (spec §6, §10), and its small job record.

An import a staff member confirms in the admin runs in a Celery task, not in the request:
a large spreadsheet goes through the services row by row. The job is a directory under
``MEDIA_ROOT/imports/<id>/`` (the uploaded bytes and a JSON record of state and report)
rather than a model: it is working data of one upload, not part of the ledger, and the
ledger itself records every contract the import creates (ContractEvent).

The task is thin and idempotent: it takes the job id, and a job already done or running
is left alone, so a repeated delivery imports nothing twice (and re-importing the same
file would change nothing anyway, spec §10).
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from pathlib import Path
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from marketplace.imports import ImportFileError, import_contracts

logger = logging.getLogger(__name__)

JOB_ID_RE = re.compile(r"^[0-9a-f]{32}$")
UPLOAD = "upload.bin"
RECORD = "job.json"

# Job states.
PREVIEWED = "previewed"  # uploaded and checked with a dry run; waiting for confirmation
QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


def _job_dir(job_id: str) -> Path:
    if not JOB_ID_RE.match(job_id or ""):
        raise KeyError(job_id)
    return Path(settings.MEDIA_ROOT) / "imports" / job_id


def job_create(*, content: bytes, name: str, user_id: int | None) -> str:
    """A new job holding the uploaded bytes; returns its random id."""
    job_id = secrets.token_hex(16)
    folder = _job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=False)
    (folder / UPLOAD).write_bytes(content)
    job_save(
        job_id,
        {
            "id": job_id,
            "name": Path(name).name,
            "user_id": user_id,
            "state": PREVIEWED,
            "created_at": timezone.now().isoformat(),
            "preview": None,
            "result": None,
            "error": "",
        },
    )
    return job_id


def job_load(job_id: str) -> dict[str, Any]:
    """The job's record; KeyError when there is no such job."""
    try:
        return json.loads((_job_dir(job_id) / RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyError(job_id) from exc


def job_save(job_id: str, record: dict[str, Any]) -> None:
    # Write then rename, so a polling page never reads half a record.
    folder = _job_dir(job_id)
    temporary = folder / f"{RECORD}.{secrets.token_hex(4)}.tmp"
    temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, folder / RECORD)


def job_update(job_id: str, **values: Any) -> dict[str, Any]:
    record = job_load(job_id)
    record.update(values)
    job_save(job_id, record)
    return record


def job_content(job_id: str) -> bytes:
    return (_job_dir(job_id) / UPLOAD).read_bytes()


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def import_contracts_task(self, job_id: str) -> str:
    """Run a confirmed import for real; the report goes into the job record."""
    try:
        record = job_load(job_id)
    except KeyError:
        logger.warning("Contract import job %s not found", job_id)
        return "missing"
    if record["state"] in (DONE, FAILED):
        return record["state"]
    job_update(job_id, state=RUNNING, started_at=timezone.now().isoformat())
    by = User.objects.filter(pk=record.get("user_id")).first() if record.get("user_id") else None
    try:
        report = import_contracts(
            content=job_content(job_id),
            name=record["name"],
            dry_run=False,
            by=by,
            progress=lambda done, total: job_update(job_id, done=done, total=total),
        )
    except ImportFileError as exc:
        job_update(job_id, state=FAILED, error=str(exc), finished_at=timezone.now().isoformat())
        return FAILED
    except DatabaseError:
        job_update(job_id, state=QUEUED)  # the retry picks it up again
        raise
    except Exception:
        logger.exception("Contract import job %s failed", job_id)
        job_update(
            job_id,
            state=FAILED,
            error=_("导入时发生意外错误，本次导入已全部回滚，请联系管理员。"),
            finished_at=timezone.now().isoformat(),
        )
        return FAILED
    job_update(job_id, state=DONE, result=report.as_dict(), finished_at=timezone.now().isoformat())
    return DONE
