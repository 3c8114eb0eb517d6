"""The home page: live figures that move with the marketplace, latest items, plain HTML."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.models import ListingStatus
from marketplace.services import contracts as contract_services
from marketplace.services import listings as listing_services
from tests import factories
from tests.challenges.helpers import World
from tests.cms.conftest import event, news

pytestmark = pytest.mark.django_db


def home_text(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def figure(body: str, label: str) -> str:
    """The number shown beside a figure's label, as text in the HTML."""
    match = re.search(
        r'<span class="figure-number">([^<]+)</span>\s*<span class="figure-label">' + label, body
    )
    assert match, f"figure {label} not found"
    return html.unescape(match.group(1))


def registered_contract(tech_amount: str, registered_on: dt.date):
    contract = contract_services.contract_create(
        data={
            "contract_no": f"HOME-{registered_on:%Y%m%d}",
            "title": "首页数字测试合同",
            "contract_type": "transfer",
            "seller_name": "区内卖方",
            "seller_credit_code": "91330100799655058B",
            "seller_region": settings.DISTRICT_CODE,
            "buyer_name": "区外买方",
            "buyer_credit_code": "91110000802100433B",
            "buyer_region": "110105",
            "signed_on": registered_on,
            "contract_amount": Decimal(tech_amount),
            "tech_amount": Decimal(tech_amount),
        },
        by=None,
    )
    contract = contract_services.contract_submit(contract=contract, by=None)
    return contract_services.contract_register(
        contract=contract,
        registration_no=f"{registered_on:%Y%m%d}00000001",
        registered_on=registered_on,
        by=None,
    )


def test_published_counts_move_when_a_listing_is_approved(client, personas):
    factories.need(personas.organisation)
    pending = factories.achievement(personas.organisation, status=ListingStatus.SUBMITTED)
    before = home_text(client)
    assert figure(before, "已发布成果") == "0" and figure(before, "已发布需求") == "1"

    listing_services.listing_approve(listing=pending, by=personas.staff)

    assert figure(home_text(client), "已发布成果") == "1"


def test_year_progress_moves_when_a_contract_is_registered(client):
    year = timezone.localdate().year
    before = home_text(client)
    assert figure(before, f"{year} 年技术合同登记目标完成度") == "0.00%"
    assert '<progress id="target-progress" max="100" value="0.00"' in before

    registered_contract("50000000.00", timezone.localdate())

    after = home_text(client)
    assert figure(after, f"{year} 年技术合同登记目标完成度") == "1.00%"  # of the ¥50 亿 default
    assert '<progress id="target-progress" max="100" value="1.00"' in after
    assert "¥50,000,000（5000 万元）" in after and "¥5,000,000,000（50 亿元）" in after


def test_open_challenges_are_counted_and_the_latest_listed(client):
    world = World()
    assert figure(home_text(client), "正在揭榜的榜单") == "0"
    challenge = world.published(title="注塑件翘曲在线检测榜单")

    body = home_text(client)
    assert figure(body, "正在揭榜的榜单") == "1"
    assert f'<a href="{challenge.get_absolute_url()}">注塑件翘曲在线检测榜单</a>' in body


def test_latest_listings_news_and_upcoming_events_are_linked(client, news_index, event_index):
    org = factories.organisation()
    achievement = factories.achievement(org, title="首页最新成果")
    need = factories.need(org, title="首页最新需求")
    article = news(news_index, title="首页最新资讯")
    roadshow = event(
        event_index, title="首页近期路演", starts_at=timezone.now() + dt.timedelta(days=2)
    )
    event(event_index, title="已结束的路演", starts_at=timezone.now() - dt.timedelta(days=2))

    body = home_text(client)
    for item in (achievement, need):
        assert f'<a href="{item.get_absolute_url()}">{item.title}</a>' in body
    assert f'<a href="{article.url}">首页最新资讯</a>' in body
    assert f'<a href="{roadshow.url}">首页近期路演</a>' in body
    assert "已结束的路演" not in body
    assert f'href="{news_index.url}"' in body and f'href="{event_index.url}"' in body


def test_home_page_is_plain_html_that_needs_no_javascript(client):
    org = factories.organisation()
    factories.achievement(org, title="无脚本也能看到的成果")
    body = home_text(client)
    assert "<script" not in body  # anonymous visitors get no script at all
    assert figure(body, "已发布成果") == "1"
    assert "无脚本也能看到的成果" in body
    # The search box is an ordinary GET form; the language switch has a button without JS.
    assert re.search(r'<form class="search-box" action="/search/" method="get"', body)
    assert '<noscript><button type="submit">切换</button></noscript>' in body


def test_home_page_queries_do_not_grow_with_the_data(client, news_index, event_index):
    org = factories.organisation()

    def add(n: int) -> None:
        for i in range(n):
            factories.achievement(org, title=f"成果{i}")
            factories.need(org, title=f"需求{i}")
            news(news_index, title=f"资讯{i}")
            event(event_index, title=f"活动{i}")

    add(1)
    home_text(client)  # the site's root paths are cached from here on
    with CaptureQueriesContext(connection) as small:
        home_text(client)
    add(8)
    with CaptureQueriesContext(connection) as large:
        home_text(client)
    assert len(small) == len(large) <= 25


def test_staff_see_the_wagtail_userbar_and_visitors_do_not(client):
    staff = factories.bureau_staff()
    staff.is_staff = staff.is_superuser = True
    staff.save()
    assert "wagtail-userbar" not in home_text(client)
    client.force_login(staff)
    assert "wagtail-userbar" in home_text(client)
