"""CHALLENGE_PUBLICITY_DAYS is read strictly from the environment (config/env.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT = "from django.conf import settings; print(settings.CHALLENGE_PUBLICITY_DAYS)"


def _shell(value: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.pop("CHALLENGE_PUBLICITY_DAYS", None)
    if value is not None:
        env["CHALLENGE_PUBLICITY_DAYS"] = value
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_publicity_period_defaults_to_seven_days_and_follows_the_environment():
    assert _shell(None).stdout.strip().endswith("7")
    assert _shell("10").stdout.strip().endswith("10")


@pytest.mark.parametrize("value", ["seven", "-1", "61"])
def test_a_bad_publicity_period_stops_the_process(value):
    result = _shell(value)
    assert result.returncode != 0
    assert "CHALLENGE_PUBLICITY_DAYS" in result.stderr
