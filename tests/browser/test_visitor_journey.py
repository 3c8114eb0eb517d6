"""A visitor and a researcher use the site in a real browser."""

import pytest

from marketplace.models import IPType, ListingStatus
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_visitor_browses_from_home_to_an_achievement(page):
    org = factories.organisation(name="瓯江大学")
    robot = factories.achievement(org, title="一种高效光伏组件清洗机器人", trl=7)
    robot.ip_items.create(ip_type=IPType.objects.get(code="invention"), number="ZL202010000001.2")
    factories.achievement(org, title="不应出现的草稿", status=ListingStatus.DRAFT)

    page.goto(page.base_url + "/")
    assert page.locator("h1").first.inner_text() == "科创大市场"
    screenshot(page, "home")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="成果").click()
    page.wait_for_url("**/achievements/")
    assert "不应出现的草稿" not in page.content()
    page.get_by_role("link", name="一种高效光伏组件清洗机器人").click()
    assert page.locator("h1").inner_text() == "一种高效光伏组件清洗机器人"
    facts = page.locator("main").inner_text()
    assert "TRL 7" in facts and "发明专利" in facts and "瓯江大学" in facts
    screenshot(page, "achievement-detail")


def test_researcher_signs_in_and_sees_their_organisation(page):
    org = factories.organisation(name="东海理工大学")
    person = factories.member(org, email="li@example.com")

    page.goto(page.base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(person.email)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/profile/")
    assert "东海理工大学" in page.locator("main").inner_text()
    screenshot(page, "profile")
