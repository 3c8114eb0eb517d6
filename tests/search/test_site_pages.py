"""站内资讯 on /search/: live, public Wagtail pages found by Wagtail's own search."""

import pytest
from wagtail.models import Page, PageViewRestriction, Site

from search.pages import MAX_PAGES

pytestmark = pytest.mark.django_db


def _news(title: str, summary: str = "", **extra) -> Page:
    from cms.models import NewsPage  # the tests may use cms; search itself never imports it

    root = Site.objects.get(is_default_site=True).root_page
    page = NewsPage(title=title, summary=summary, body=f"<p>{summary}</p>", **extra)
    root.add_child(instance=page)
    page.save_revision().publish()
    return page


def _section(page: str) -> str:
    start = page.find('id="site-pages-title"')
    return page[start : page.find("</section>", start)] if start >= 0 else ""


def test_the_search_page_lists_matching_live_pages_in_their_own_section(client):
    policy = _news("科技成果转化政策解读", "关于促进科技成果转化的若干政策。")
    _news("路演活动回顾", "新材料专场路演。")
    draft = _news("科技成果转化政策（草稿）", "尚未发布。")
    draft.unpublish()
    private = _news("内部通知：成果转化政策", "仅限内部。")
    PageViewRestriction.objects.create(page=private, restriction_type="login")

    page = client.get("/search/", {"q": "成果转化政策"}).content.decode()
    section = _section(page)
    assert "站内资讯" in section
    assert policy.title in section and policy.url in section
    assert "路演活动回顾" not in section
    assert "草稿" not in section and "内部通知" not in section


def test_only_a_few_pages_are_listed_and_none_when_nothing_matches(client):
    for n in range(MAX_PAGES + 3):
        _news(f"政策解读第{n}期", "科技政策。")
    section = _section(client.get("/search/", {"q": "政策"}).content.decode())
    assert section.count("<li>") == MAX_PAGES
    assert _section(client.get("/search/", {"q": "量子计算"}).content.decode()) == ""
