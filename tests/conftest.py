"""Shared fixtures: personas, real-service gates, and a clean slate per test."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache

from config.celery import app as celery_app
from search import analysis, staff_words, topics
from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"


def need_service(name: str, available: bool, how: str) -> None:
    """Skip a test whose service is missing, or fail it when REQUIRE_SERVICES=1 (CI)."""
    if available:
        return
    message = f"{name} is not available: {how}"
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _isolation(request, settings):
    # Fast hashing: tests create many users; production keeps Django's default.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # users made by seed_demo
    ]
    # Tasks run inline in tests: a real worker would read another database.
    # The broker tests switch this off for themselves.
    celery_app.conf.task_always_eager = True
    # Listings saved by ordinary tests are indexed by the database backend; the
    # Elasticsearch tests switch to it with a random index prefix of their own.
    settings.SEARCH_BACKEND = "database"
    cache.clear()


@pytest.fixture(autouse=True)
def _staff_dictionary(monkeypatch):
    """Requests and tasks check the staff dictionary words at most every 30 s. A check
    that fell inside a test counting queries would make the count depend on the clock,
    so tests start as if one had just happened (the dictionary tests force theirs). No
    test's words outlive it: the database is rolled back, and so is the segmenter."""
    monkeypatch.setattr(staff_words, "_checked_at", float("inf"))
    yield
    if analysis.staff_words():
        analysis.set_staff_words([])
    staff_words._version = None


@pytest.fixture(autouse=True)
def _topic_model(monkeypatch):
    """The same for the topic model (search/topics.py): a test starts as if the check
    had just found none, so rankings are the text scores unless the test fits one."""
    monkeypatch.setattr(topics, "_checked_at", float("inf"))
    monkeypatch.setattr(topics, "_model", None)
    monkeypatch.setattr(topics, "_model_id", None)


@pytest.fixture
def small_topic_models(monkeypatch):
    """Topic models of a few dozen listings of three subjects (tests/search/topic_corpus.py);
    the site's need 1,000 listings."""
    monkeypatch.setattr(topics, "MIN_DOCUMENTS", 20)
    monkeypatch.setattr(topics, "DIMENSIONS", 3)


@pytest.fixture
def personas(db):
    """The people of every access test: owner, colleague, outsider, staff (and anonymous)."""
    return factories.personas()


def restore_reference_data() -> None:
    """Put back the rows migrations create: a transactional test (a browser test's live
    server, a test of what needs its own transactions) flushes every table after it,
    migration data included (code lists, the Wagtail page tree)."""
    import importlib

    from django.apps import apps
    from wagtail.models import Locale, Page, Site

    from cms.models import HomePage
    from marketplace.models import TechField

    if not TechField.objects.exists():
        seed = importlib.import_module("marketplace.migrations.0002_seed_codelists")
        seed.seed_codelists(apps, None)
    if not Site.objects.exists():
        Locale.objects.get_or_create(language_code="zh-hans")
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="科创大市场", slug="home"))
        Site.objects.create(hostname="localhost", root_page=home, is_default_site=True)
