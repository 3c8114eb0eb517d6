"""Every page type is served from the tree with its fields, SEO meta and a way back."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cms.models import (
    EventIndexPage,
    EventKind,
    EventPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyPage,
    StandardPage,
)
from tests.cms.conftest import document, event, image, news, policy, standard

pytestmark = pytest.mark.django_db


def body_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def meta_description(body: str) -> str:
    match = re.search(r'<meta name="description" content="([^"]*)">', body)
    assert match, "no meta description"
    return html.unescape(match.group(1))


def title_of(body: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", body, re.S).group(1))


def breadcrumb_links(body: str) -> list[str]:
    nav = re.search(r'<nav class="breadcrumbs".*?</nav>', body, re.S)
    assert nav, "no breadcrumbs"
    return re.findall(r'href="([^"]+)"', nav.group(0))


# --- news ---------------------------------------------------------------------------------
def test_news_article_shows_date_summary_body_and_picture_with_alt_text(client, news_index):
    picture = image(title="对接会现场", description="企业代表在成果展台前交流")
    page = news(
        news_index,
        title="新材料成果对接会举行",
        date=dt.date(2025, 4, 18),
        summary="十二项成果现场路演",
        body="<p>现场达成合作意向五项。</p>",
        image=picture,
    )
    body = body_of(client, page.url)
    assert "<h1>新材料成果对接会举行</h1>" in body
    assert "2025-04-18" in body and "十二项成果现场路演" in body
    assert "现场达成合作意向五项。" in body
    assert re.search(r'<img [^>]*alt="企业代表在成果展台前交流"', body)


def test_news_index_lists_live_articles_newest_first_and_hides_drafts(client, news_index):
    news(news_index, title="较早的资讯", date=dt.date(2025, 1, 5))
    news(news_index, title="最新的资讯", date=dt.date(2025, 5, 5))
    draft = NewsPage(title="未发布的草稿", slug="draft", body="<p>x</p>", live=False)
    news_index.add_child(instance=draft)

    body = body_of(client, news_index.url)
    assert body.index("最新的资讯") < body.index("较早的资讯")
    assert "未发布的草稿" not in body
    assert client.get(news_index.url + "draft/").status_code == 404


def test_news_index_is_paginated_by_ten(client, news_index):
    for n in range(12):
        news(news_index, title=f"资讯{n:02d}", date=dt.date(2025, 1, 1) + dt.timedelta(days=n))
    first = body_of(client, news_index.url)
    second = body_of(client, news_index.url + "?page=2")
    assert "资讯11" in first and "资讯00" not in first
    assert "资讯00" in second and "资讯01" in second and "资讯11" not in second
    assert "?page=2" in first
    assert client.get(news_index.url + "?page=abc").status_code == 200


# --- policies -----------------------------------------------------------------------------
def test_policy_page_shows_issuer_number_dates_and_body(client, policy_index):
    page = policy(
        policy_index,
        title="揭榜挂帅项目管理办法",
        issuing_body="区科学技术局",
        document_number="鹿科〔2025〕12号",
        issued_on=dt.date(2025, 3, 10),
        effective_on=dt.date(2025, 4, 1),
        body="<p>企业出题，能者揭榜。</p>",
    )
    body = body_of(client, page.url)
    for text in (
        "揭榜挂帅项目管理办法",
        "区科学技术局",
        "鹿科〔2025〕12号",
        "2025-03-10",
        "2025-04-01",
    ):
        assert text in body
    assert "企业出题，能者揭榜。" in body
    assert "附件下载" not in body  # no attachments, no empty section


def test_policy_attachment_is_listed_and_downloads(client, policy_index):
    pdf = b"%PDF-1.4\n% the measures\n%%EOF\n"
    page = policy(policy_index, attachments=[(document("措施全文", pdf), "措施全文（PDF）")])
    body = body_of(client, page.url)
    link = re.search(r'<a href="([^"]+)" download>措施全文（PDF）</a>', body)
    assert link, "attachment link missing"

    download = client.get(link.group(1))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf


def test_policy_index_lists_policies_most_recently_issued_first(client, policy_index):
    policy(policy_index, title="旧政策", issued_on=dt.date(2023, 1, 1))
    policy(
        policy_index, title="新政策", issued_on=dt.date(2025, 1, 1), document_number="新〔2025〕1号"
    )
    body = body_of(client, policy_index.url)
    assert body.index("新政策") < body.index("旧政策")
    assert "新〔2025〕1号" in body


# --- events -------------------------------------------------------------------------------
def test_event_page_shows_kind_time_place_and_registration_link(client, event_index):
    start = timezone.make_aware(dt.datetime(2031, 6, 2, 14, 0))
    page = event(
        event_index,
        title="第二届创新挑战赛",
        kind=EventKind.COMPETITION,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        place="科创大市场路演厅",
        registration_url="https://example.com/register",
    )
    body = body_of(client, page.url)
    assert "大赛" in body and "2031-06-02 14:00" in body and "17:00" in body
    assert "科创大市场路演厅" in body
    assert 'href="https://example.com/register"' in body and "报名参加" in body


def test_registration_closes_after_the_deadline(client, event_index):
    start = timezone.now() + dt.timedelta(days=3)
    page = event(
        event_index,
        starts_at=start,
        registration_url="https://example.com/register",
        registration_deadline=timezone.now() - dt.timedelta(hours=1),
    )
    body = body_of(client, page.url)
    assert "报名已截止" in body and "报名参加" not in body


def test_event_index_lists_upcoming_soonest_first_then_past_events(client, event_index):
    now = timezone.now()
    event(event_index, title="下月路演", starts_at=now + dt.timedelta(days=30))
    event(event_index, title="明天路演", starts_at=now + dt.timedelta(days=1))
    event(event_index, title="上周路演", starts_at=now - dt.timedelta(days=7))
    event(  # started yesterday, ends tomorrow: still on
        event_index,
        title="进行中的大赛",
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1),
    )
    body = body_of(client, event_index.url)
    upcoming, past = body.split("往期活动")
    assert upcoming.index("进行中的大赛") < upcoming.index("明天路演") < upcoming.index("下月路演")
    assert "上周路演" in past and "上周路演" not in upcoming


def test_an_event_cannot_end_before_it_starts():
    start = timezone.now()
    page = EventPage(title="x", slug="x", starts_at=start, ends_at=start - dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as error:
        page.clean()
    assert "ends_at" in error.value.message_dict


# --- standard and home --------------------------------------------------------------------
def test_standard_page_renders_its_body_blocks_and_sub_pages(client, home):
    about = standard(
        home,
        summary="平台简介",
        body=[
            ("heading", "平台定位"),
            ("paragraph", "<p>连接高校院所与企业。</p>"),
            ("quote", "让成果走出实验室"),
        ],
    )
    standard(about, title="联系我们", slug="contact", summary="服务时间和地址")
    body = body_of(client, about.url)
    assert "<h2>平台定位</h2>" in body and "连接高校院所与企业。" in body
    assert "<blockquote>让成果走出实验室</blockquote>" in body
    assert 'href="/about/contact/"' in body and "服务时间和地址" in body


def test_home_page_renders_its_sections(client, home):
    home.sections = [
        (
            "cards",
            {
                "heading": "我们能做什么",
                "cards": [{"title": "发布成果", "text": "高校登记成果", "url": "/achievements/"}],
            },
        ),
        (
            "call_to_action",
            {
                "title": "加入平台",
                "text": "",
                "button_label": "免费注册",
                "url": "/accounts/signup/",
            },
        ),
        ("text", {"heading": "平台介绍", "body": "<p>服务科技成果转化。</p>"}),
    ]
    home.save_revision().publish()
    body = body_of(client, "/")
    assert "我们能做什么" in body and '<a href="/achievements/">发布成果</a>' in body
    assert '<a class="button" href="/accounts/signup/">免费注册</a>' in body
    assert "服务科技成果转化。" in body


@pytest.mark.parametrize("kind", ["news", "policy", "event", "standard", "home"])
def test_seo_title_and_search_description_are_rendered(
    client, kind, home, news_index, policy_index, event_index
):
    seo = {"seo_title": "搜索引擎标题", "search_description": "给搜索引擎看的摘要"}
    if kind == "home":
        home.seo_title, home.search_description = seo["seo_title"], seo["search_description"]
        home.save_revision().publish()
        page = home
    else:
        make = {"news": news, "policy": policy, "event": event}.get(kind)
        page = (
            make({"news": news_index, "policy": policy_index, "event": event_index}[kind], **seo)
            if make
            else standard(home, **seo)
        )
    body = body_of(client, page.url)
    assert title_of(body).startswith("搜索引擎标题 · ")
    assert meta_description(body) == "给搜索引擎看的摘要"


def test_page_title_is_used_when_there_is_no_seo_title(client, news_index):
    body = body_of(client, news(news_index, title="普通标题").url)
    assert title_of(body) == "普通标题 · 科创大市场"
    assert meta_description(body)  # the site's description stands in


def test_every_content_page_has_breadcrumbs_back_to_home(
    client, home, news_index, policy_index, event_index
):
    about = standard(home)
    pages = [
        news_index,
        news(news_index),
        policy_index,
        policy(policy_index),
        event_index,
        event(event_index),
        about,
        standard(about, title="联系我们", slug="contact"),
    ]
    for page in pages:
        links = breadcrumb_links(body_of(client, page.url))
        assert links[0] == "/"
        assert links == [a.url for a in page.get_ancestors()[1:]]


@pytest.mark.parametrize(
    ("model", "parent_model", "allowed"),
    [
        (NewsPage, HomePage, False),
        (NewsPage, NewsIndexPage, True),
        (PolicyPage, PolicyIndexPage, True),
        (PolicyPage, NewsIndexPage, False),
        (EventPage, EventIndexPage, True),
        (EventPage, HomePage, False),
        (NewsIndexPage, HomePage, True),
        (StandardPage, HomePage, True),
        (StandardPage, StandardPage, True),
        (StandardPage, NewsIndexPage, False),
        (HomePage, StandardPage, False),
    ],
)
def test_page_types_only_go_where_they_belong(model, parent_model, allowed):
    assert (model in parent_model.allowed_subpage_models()) is allowed
    assert (parent_model in model.allowed_parent_page_models()) is allowed


def test_a_site_has_one_news_index_under_its_home_page(home, news_index):
    assert not NewsIndexPage.can_create_at(home)
    assert not PolicyIndexPage.can_create_at(news_index)
    assert EventIndexPage.can_create_at(home)
