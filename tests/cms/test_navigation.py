"""The menu and footer come from the site's settings, with sensible defaults when unset."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.blocks import StreamBlockValidationError
from wagtail.models import Site

from cms.models import NavigationSettings
from cms.navigation import settings_for, site_chrome
from tests import factories

pytestmark = pytest.mark.django_db


def link(label: str, url: str, label_en: str = "") -> tuple[str, dict]:
    return ("link", {"label": label, "label_en": label_en, "url": url})


def nav_of(body: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', body, re.S).group(0)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)


def footer_of(body: str) -> str:
    return re.search(r'<footer class="site-footer">.*?</footer>', body, re.S).group(0)


@pytest.fixture
def saved_menu(db) -> NavigationSettings:
    return NavigationSettings.objects.create(
        site=Site.objects.get(is_default_site=True),
        nav_links=[
            link("成果", "/achievements/", "Achievements"),
            link("资讯", "/news/", "News"),
            link("合作伙伴", "https://partner.example.com/"),
        ],
        footer_text="某区科技局主办",
        footer_text_en="Hosted by the district science bureau",
        footer_note="演示站点",
        footer_links=[link("关于我们", "/about/", "About")],
    )


def test_default_menu_and_footer_when_nothing_is_set(client):
    body = client.get("/").content.decode()
    assert nav_of(body) == [
        ("/achievements/", "成果"),
        ("/needs/", "需求"),
        ("/challenges/", "揭榜挂帅"),
        ("/search/", "搜索"),
    ]
    assert "科创大市场 · 科技成果转移转化服务平台" in footer_of(body)


@pytest.mark.parametrize("url", ["/", "/achievements/", "/no-such-page/"])
def test_saved_menu_and_footer_are_drawn_on_every_kind_of_page(client, saved_menu, url):
    body = client.get(url).content.decode()
    assert nav_of(body) == [
        ("/achievements/", "成果"),
        ("/news/", "资讯"),
        ("https://partner.example.com/", "合作伙伴"),
    ]
    footer = footer_of(body)
    assert "某区科技局主办" in footer and "演示站点" in footer
    assert '<a href="/about/">关于我们</a>' in footer


def test_english_visitors_see_the_english_labels_or_the_chinese_when_none(client, saved_menu):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert [label for _, label in nav_of(body)] == ["Achievements", "News", "合作伙伴"]
    footer = footer_of(body)
    assert "Hosted by the district science bureau" in footer
    assert "演示站点" in footer  # no English note was written: the Chinese one shows
    assert ">About</a>" in footer


def test_an_empty_menu_in_the_settings_falls_back_to_the_default(client, saved_menu):
    saved_menu.nav_links = []
    saved_menu.save()
    assert [label for _, label in nav_of(client.get("/").content.decode())] == [
        "成果",
        "需求",
        "揭榜挂帅",
        "搜索",
    ]


def test_the_section_a_page_is_in_is_marked_current(client):
    org = factories.organisation()
    item = factories.achievement(org, title="当前栏目测试")
    body = client.get(item.get_absolute_url()).content.decode()
    assert '<a href="/achievements/" aria-current="page">成果</a>' in body
    assert '<a href="/needs/">需求</a>' in body


def test_the_menu_costs_one_query_whether_set_or_not(saved_menu):
    request = RequestFactory().get("/achievements/")
    with CaptureQueriesContext(connection) as queries:
        site_chrome(request)
    assert len(queries) == 1
    saved_menu.delete()
    with CaptureQueriesContext(connection) as queries:
        chrome = site_chrome(request)
    assert len(queries) == 1 and chrome.nav[0].label == "成果"


def test_each_host_gets_its_own_sites_menu(saved_menu, home, settings):
    settings.ALLOWED_HOSTS = ["localhost", "other.example.com", "unknown.example.com"]
    other = Site.objects.create(hostname="other.example.com", root_page=home, site_name="另一站")
    own = NavigationSettings.objects.create(site=other, nav_links=[link("别处", "/elsewhere/")])
    assert settings_for(RequestFactory().get("/", HTTP_HOST="other.example.com")) == own
    assert settings_for(RequestFactory().get("/", HTTP_HOST="localhost")) == saved_menu
    assert settings_for(RequestFactory().get("/", HTTP_HOST="unknown.example.com")) == saved_menu


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "//evil.example.com/", "news", "ftp://x.example.com/"]
)
def test_a_link_must_be_a_site_path_or_a_web_address(url):
    block = NavigationSettings._meta.get_field("nav_links").stream_block
    with pytest.raises(StreamBlockValidationError):
        block.clean(
            block.to_python(
                [{"type": "link", "value": {"label": "坏链接", "label_en": "", "url": url}}]
            )
        )


def test_a_site_path_and_a_web_address_are_accepted():
    block = NavigationSettings._meta.get_field("nav_links").stream_block
    value = block.to_python(
        [
            {"type": "link", "value": {"label": "资讯", "label_en": "", "url": "/news/"}},
            {
                "type": "link",
                "value": {"label": "外站", "label_en": "", "url": "https://example.com/x"},
            },
        ]
    )
    assert len(block.clean(value)) == 2


def test_staff_edit_the_menu_in_the_admin(client):
    client.force_login(factories.user(is_staff=True, is_superuser=True))
    site = Site.objects.get(is_default_site=True)
    url = reverse("wagtailsettings:edit", args=["cms", "navigationsettings", site.pk])
    assert client.get(url).status_code == 200
