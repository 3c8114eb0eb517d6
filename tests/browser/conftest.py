"""Playwright driving Debian's chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import need_service

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    need_service(
        "chromium", bool(shutil.which(CHROMIUM)), f"{CHROMIUM} missing (apt-get install chromium)"
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while the
    # tests make ordinary synchronous ORM calls between page actions; Django must
    # be told that is safe. Only browser tests set it, and only while they run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _restore_reference_data() -> None:
    """Put back the rows migrations create: a live-server test flushes every table after it.

    Browser tests need a live server, so their data is committed and then
    flushed, migration data included (code lists, the Wagtail page tree).
    """
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


@pytest.fixture
def page(browser, live_server, transactional_db):
    _restore_reference_data()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
