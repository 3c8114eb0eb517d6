"""The demo content: pages that say they are demo content, a menu, and safe to load twice."""

from __future__ import annotations

import re

import pytest
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from cms import demo
from cms.models import EventPage, HomePage, NavigationSettings, NewsPage, PolicyPage, StandardPage

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[int, ...]:
    return (
        Page.objects.count(),
        get_document_model().objects.count(),
        get_image_model().objects.count(),
        NavigationSettings.objects.count(),
    )


def test_demo_content_is_added_once(client):
    first = demo.seed()
    after_first = snapshot()
    second = demo.seed()

    assert len(first.pages) >= 10 and first.home and first.navigation and first.documents == 3
    assert second.pages == [] and not second.home and not second.navigation
    assert second.documents == second.images == 0
    assert snapshot() == after_first
    assert NewsPage.objects.count() == 3 and PolicyPage.objects.count() == 2
    assert EventPage.objects.count() == 3 and StandardPage.objects.count() == 2


def test_every_demo_page_says_it_is_demo_content(client):
    demo.seed()
    pages = [
        *NewsPage.objects.all(),
        *PolicyPage.objects.all(),
        *EventPage.objects.all(),
        *StandardPage.objects.all(),
    ]
    for page in pages:
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        assert "演示内容" in response.content.decode(), page.url


def test_demo_menu_leads_to_the_content_sections(client):
    demo.seed()
    body = client.get("/").content.decode()
    nav = re.search(r'<nav class="main-nav".*?</nav>', body, re.S).group(0)
    labels = re.findall(r">([^<>]+)</a>", nav)
    assert labels == ["成果", "需求", "揭榜挂帅", "资讯", "政策", "活动", "搜索"]
    for path in ("/news/", "/policies/", "/events/", "/about/", "/about/contact/"):
        assert client.get(path).status_code == 200, path
    assert "演示数据来自公开的技术市场挂牌信息" in body


def test_demo_home_page_has_sections_news_events_and_figures(client):
    demo.seed()
    body = client.get("/").content.decode()
    assert "我们能为您做什么" in body and "免费注册" in body
    assert "科创大市场上线试运行" in body and "智能制造成果路演" in body
    assert "已发布成果" in body


def test_an_editors_changes_survive_another_run(client):
    demo.seed()
    home = Site.objects.get(is_default_site=True).root_page.specific
    home.hero_subtitle = "编辑改过的副标题"
    home.save_revision().publish()
    menu = NavigationSettings.objects.get()
    menu.footer_text = "编辑改过的页脚"
    menu.save()
    NewsPage.objects.get(slug="platform-launch").delete()

    again = demo.seed()

    assert HomePage.objects.get().hero_subtitle == "编辑改过的副标题"
    assert NavigationSettings.objects.get().footer_text == "编辑改过的页脚"
    assert again.pages == ["/home/news/platform-launch/"]  # only what was missing comes back


def test_demo_policy_attachments_are_pdfs_that_download(client):
    demo.seed()
    page = PolicyPage.objects.get(slug="challenge-rules")
    attachments = list(page.attachment_list())
    assert [a.label for a in attachments] == ["管理办法全文", "揭榜申报书模板"]
    response = client.get(attachments[0].document.url)
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
