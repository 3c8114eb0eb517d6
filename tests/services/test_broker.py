"""A task really travels through Redis to a running Celery worker and back."""

import pytest
from kombu.exceptions import OperationalError

from config.celery import app as celery_app
from config.celery import ping

pytestmark = pytest.mark.broker


def test_a_task_runs_on_the_real_worker(broker):
    celery_app.conf.task_always_eager = False
    try:
        result = ping.delay()
        try:
            answer = result.get(timeout=30)
        except OperationalError as exc:  # broker refused the connection
            pytest.fail(f"Celery broker is not reachable: {exc}")
    finally:
        celery_app.conf.task_always_eager = True
    assert answer == "pong"
    assert result.successful()
    workers = celery_app.control.inspect(timeout=5).ping() or {}
    assert workers, "no Celery worker answered the ping"
