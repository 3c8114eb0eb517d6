"""Settings read the environment strictly: typos fail loudly, secrets may come from files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import EnvError, env_bool, env_choice, env_int, env_list, env_str, env_url

ROOT = Path(__file__).resolve().parents[2]


def test_boolean_accepts_the_usual_words(monkeypatch):
    for word, expected in [
        ("1", True),
        ("true", True),
        ("Yes", True),
        ("off", False),
        ("0", False),
    ]:
        monkeypatch.setenv("KC_FLAG", word)
        assert env_bool("KC_FLAG", not expected) is expected


def test_boolean_typo_fails_loudly(monkeypatch):
    monkeypatch.setenv("KC_FLAG", "ture")
    with pytest.raises(EnvError, match="KC_FLAG"):
        env_bool("KC_FLAG", False)


def test_unset_variable_gives_the_default(monkeypatch):
    monkeypatch.delenv("KC_FLAG", raising=False)
    assert env_bool("KC_FLAG", True) is True
    assert env_int("KC_NUM", 7) == 7
    assert env_list("KC_LIST", ["a"]) == ["a"]


def test_integer_must_be_an_integer_within_bounds(monkeypatch):
    monkeypatch.setenv("KC_NUM", "12x")
    with pytest.raises(EnvError):
        env_int("KC_NUM", 1)
    monkeypatch.setenv("KC_NUM", "0")
    with pytest.raises(EnvError):
        env_int("KC_NUM", 1, minimum=1)


def test_choice_rejects_unknown_value(monkeypatch):
    monkeypatch.setenv("KC_BACKEND", "elasticsearh")
    with pytest.raises(EnvError, match="elasticsearh"):
        env_choice("KC_BACKEND", "database", {"database", "elasticsearch"})


def test_url_scheme_typo_is_not_silently_sqlite(monkeypatch):
    monkeypatch.setenv("KC_DB", "postgress://u:p@localhost/db")
    with pytest.raises(EnvError, match="scheme"):
        env_url("KC_DB", None, schemes={"sqlite", "postgres"})
    monkeypatch.setenv("KC_DB", "localhost:5432")
    with pytest.raises(EnvError):
        env_url("KC_DB", None, schemes={"sqlite", "postgres"})


def test_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-value\n", encoding="utf-8")
    monkeypatch.delenv("KC_SECRET", raising=False)
    monkeypatch.setenv("KC_SECRET_FILE", str(secret))
    assert env_str("KC_SECRET") == "s3cret-value"
    monkeypatch.setenv("KC_SECRET", "other")
    with pytest.raises(EnvError, match="not both"):
        env_str("KC_SECRET")


def _django(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CELERY_BROKER_URL",
            "ELASTICSEARCH_URL",
            "SEARCH_BACKEND",
            "SECRET_KEY",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set while browser tests run; never in deployment
        }
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_site_refuses_to_start_with_a_mistyped_database_url(tmp_path):
    result = _django(["check"], DATABASE_URL="postgress://kechuang@127.0.0.1/kechuang")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_an_analyzer_name_that_could_not_be_one_stops_the_site(tmp_path):
    result = _django(["check"], ELASTICSEARCH_TEXT_ANALYZER="smart cn")
    assert result.returncode != 0
    assert "ELASTICSEARCH_TEXT_ANALYZER" in result.stderr
    fine = _django(
        ["check"],
        ELASTICSEARCH_TEXT_ANALYZER="ik_max_word",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert fine.returncode == 0, fine.stderr


def test_production_refuses_the_default_secret_key():
    result = _django(["check"], DJANGO_SETTINGS_MODULE="config.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = _django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="x7#kq2!vL9pZ@w4rT8mB$e1nY6uJ0sC3hF5gD^aK&oR*iX%lQ(tV)zN-yE=bW+jU",
        ALLOWED_HOSTS="market.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_embedded_default_needs_no_environment_at_all(tmp_path):
    result = _django(
        [
            "shell",
            "-c",
            "from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.SEARCH_BACKEND, s.CELERY_TASK_ALWAYS_EAGER, "
            "s.EMAIL_BACKEND.rsplit('.', 2)[-2], s.TIME_ZONE, s.LANGUAGE_CODE)",
        ],
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.db.backends.sqlite3",
        "database",
        "True",
        "console",
        "Asia/Shanghai",
        "zh-hans",
    ]


def test_service_urls_switch_on_the_scale_stack():
    result = _django(
        [
            "shell",
            "-c",
            "from django.conf import settings as s; "
            "print(s.DATABASES['default']['ENGINE'], s.SEARCH_BACKEND, s.CELERY_TASK_ALWAYS_EAGER, "
            "s.CELERY_BROKER_URL)",
        ],
        DATABASE_URL="postgres://u:p@127.0.0.1:5999/x",
        REDIS_URL="redis://127.0.0.1:6999/0",
        ELASTICSEARCH_URL="http://127.0.0.1:9999",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.db.backends.postgresql",
        "elasticsearch",
        "False",
        "redis://127.0.0.1:6999/0",
    ]
