"""The English catalogue: complete, placeholders intact, and in use on the public pages.

The site is Chinese first (msgids are Chinese); locale/en/LC_MESSAGES/django.po is
generated with `manage.py makemessages -l en ...` and compiled with
`manage.py compiletranslations` (which `make test` runs before pytest).
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests import factories

PO_PATH = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"

# %(name)s / %(n)d style, bare %s / %d, a literal %%, and {name} (str.format) fields.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdifr]|%%|\{\w*\}")

# The main navigation (templates/base.html): Chinese label → the English one we chose.
NAV_LABELS = {
    "成果": "Achievements",
    "需求": "Needs",
    "揭榜挂帅": "Open Competition",
    "搜索": "Search",
}


def _catalogue() -> polib.POFile:
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run manage.py makemessages -l en"
    return polib.pofile(str(PO_PATH))


def _entries() -> list[polib.POEntry]:
    return [entry for entry in _catalogue() if not entry.obsolete]


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_catalogue_has_no_untranslated_or_fuzzy_entries():
    po = _catalogue()
    entries = _entries()
    assert len(entries) > 100, "the English catalogue looks empty"
    assert not po.metadata_is_fuzzy, "the catalogue header is still marked fuzzy"
    fuzzy = [entry.msgid for entry in entries if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    untranslated = [
        entry.msgid
        for entry in entries
        if not all(text.strip() for text in _translations(entry))
        or (entry.msgid_plural and len(entry.msgstr_plural) < 2)
    ]
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_every_translation_keeps_the_placeholders_of_its_msgid():
    mismatches = []
    for entry in _entries():
        expected = _placeholders(entry.msgid)
        if entry.msgid_plural:
            expected |= _placeholders(entry.msgid_plural)
        for text in _translations(entry):
            if _placeholders(text) != expected:
                mismatches.append((entry.msgid, text))
    assert not mismatches, f"placeholders differ between msgid and msgstr: {mismatches}"


def test_placeholder_pattern_sees_named_and_literal_percent():
    assert _placeholders("完成 %(percent)s%%，共 %(n)d 份") == {"%(percent)s", "%%", "%(n)d"}
    assert _placeholders("良品率≥99%") == set()


def _nav(body: str) -> str:
    match = re.search(r'<nav class="main-nav".*?</nav>', body, re.S)
    assert match, "main navigation not found"
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/achievements/", "/needs/"])
def test_public_pages_speak_english_after_switching_language(client, url):
    mo_path = PO_PATH.with_suffix(".mo")
    assert mo_path.exists() and mo_path.stat().st_mtime >= PO_PATH.stat().st_mtime, (
        "the compiled catalogue is missing or stale: run manage.py compiletranslations"
    )
    org = factories.organisation()
    factories.achievement(org, title="首页可见的成果")

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="en"' in body
    nav = _nav(body)
    for chinese, english in NAV_LABELS.items():
        assert f">{english}</a>" in nav
        assert f">{chinese}</a>" not in nav
    assert re.search(r"[\u4e00-\u9fff]", nav) is None, "Chinese left in the English navigation"
    # The account links and the footer are translated too.
    assert ">Sign in</a>" in body and ">Sign up</a>" in body
    assert ">登录</a>" not in body and ">注册</a>" not in body
    assert "Kechuang Market · Technology Transfer Service Platform" in body
