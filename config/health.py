"""GET /healthz: can the site serve, and how are its services?

200 when the database answers (search falls back to the database and tasks can
be retried, so those being down degrades the site but does not stop it).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse

from config.celery import app as celery_app
from search.backends import get_backend


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"status": "ok", "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001
        return {"status": "down", "error": type(exc).__name__}


def _broker() -> dict:
    if celery_app.conf.task_always_eager:
        return {"status": "ok", "mode": "eager"}
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"status": "ok", "mode": "broker"}
    except Exception as exc:  # noqa: BLE001
        return {"status": "down", "mode": "broker", "error": type(exc).__name__}


def healthz(request: HttpRequest) -> JsonResponse:
    database = _database()
    search = get_backend().health() if database["status"] == "ok" else {"status": "unknown"}
    search.setdefault("backend", settings.SEARCH_BACKEND)
    body = {
        "status": "ok" if database["status"] == "ok" else "down",
        "database": database,
        "search": search,
        "broker": _broker(),
    }
    return JsonResponse(body, status=200 if database["status"] == "ok" else 503)
