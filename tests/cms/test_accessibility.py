"""Accessibility basics on the public pages: labels, alt text, skip link, landmarks, language."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from cms import demo
from marketplace.models import ListingStatus
from tests import factories
from tests.marketplace import helpers

pytestmark = pytest.mark.django_db

UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Page(HTMLParser):
    """What these checks need from a page: controls, labels, images, landmarks, ids."""

    def __init__(self, text: str):
        super().__init__()
        self.html_lang = None
        self.controls: list[dict] = []
        self.label_for: set[str] = set()
        self.images: list[dict] = []
        self.ids: dict[str, str] = {}
        self.tags: list[tuple[str, dict]] = []
        self._open_labels = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if "id" in attrs:
            self.ids[attrs["id"]] = tag
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "label":
            self._open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag == "img":
            self.images.append(attrs)
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and attrs.get("type", "text") in UNLABELLED_INPUT_TYPES:
                return
            self.controls.append({**attrs, "_tag": tag, "_in_label": self._open_labels > 0})

    def handle_endtag(self, tag):
        if tag == "label":
            self._open_labels -= 1

    def unlabelled(self) -> list[dict]:
        return [
            c
            for c in self.controls
            if not (
                c["_in_label"]
                or c.get("aria-label")
                or c.get("aria-labelledby")
                or (c.get("id") and c["id"] in self.label_for)
            )
        ]


def parse(client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200, url
    return Page(response.content.decode())


@pytest.fixture(autouse=True)
def _media():
    """The module's own media folder (see ``site``) stays in force for every test."""


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, tmp_path_factory):
    """Demo content plus listings (one with an image), made once for the module.

    Inside a transaction rolled back at the end; each test's own transaction nests in it.
    """
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    media.enable()
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo.seed()
            org = factories.organisation()
            listing = helpers.achievement(org, title="带图片的成果")
            helpers.image(listing, name="photo.png", alt_text="样机照片")
            factories.need(org, title="一条需求")
            factories.achievement(org, title="草稿", status=ListingStatus.DRAFT)
            yield listing
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            media.disable()


PUBLIC_PAGES = [
    "/",
    "/achievements/",
    "/needs/",
    "/challenges/",
    "/search/?q=材料",
    "/news/",
    "/policies/",
    "/events/",
    "/about/",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_form_control_has_a_label(client, site, url):
    page = parse(client, url)
    assert page.unlabelled() == []


def test_listing_detail_controls_are_labelled_for_a_signed_in_visitor(client, site, personas):
    client.force_login(personas.outsider)
    for url in ("/", "/achievements/", site.get_absolute_url()):
        assert parse(client, url).unlabelled() == [], url


@pytest.mark.parametrize("url", [*PUBLIC_PAGES, "/news/platform-launch/"])
def test_every_image_has_alt_text(client, site, url):
    page = parse(client, url)
    assert all("alt" in img for img in page.images), page.images


def test_images_that_carry_meaning_have_words_in_their_alt(client, site):
    article = parse(client, "/news/platform-launch/")
    assert [img["alt"] for img in article.images] == [
        "抽象示意图：蓝色背景上的圆形图案，代表成果对接会"
    ]
    detail = parse(client, site.get_absolute_url())
    assert any(img.get("alt") == "样机照片" for img in detail.images)


@pytest.mark.parametrize("url", ["/", "/achievements/", "/news/", "/about/", "/no-such-page/"])
def test_a_skip_link_leads_to_the_main_landmark(client, site, url):
    response = client.get(url)
    page = Page(response.content.decode())
    first_link = next(attrs for tag, attrs in page.tags if tag == "a")
    assert first_link.get("href") == "#main" and "skip-link" in first_link.get("class", "")
    assert page.ids.get("main") == "main"
    names = [tag for tag, _ in page.tags]
    assert "header" in names and "footer" in names
    navs = [attrs for tag, attrs in page.tags if tag == "nav"]
    assert all(nav.get("aria-label") or nav.get("aria-labelledby") for nav in navs)


@pytest.mark.parametrize(
    "url", ["/", "/news/", "/policies/", "/events/", "/about/", "/news/platform-launch/"]
)
def test_content_pages_have_one_main_heading(client, site, url):
    page = parse(client, url)
    assert [tag for tag, _ in page.tags].count("h1") == 1


@pytest.mark.parametrize("url", ["/", "/achievements/", "/news/"])
def test_html_lang_follows_the_active_language(client, site, url):
    assert parse(client, url).html_lang == "zh-hans"
    client.post(reverse("set_language"), {"language": "en", "next": url})
    assert parse(client, url).html_lang == "en"
    client.post(reverse("set_language"), {"language": "zh-hans", "next": url})
    assert parse(client, url).html_lang == "zh-hans"
