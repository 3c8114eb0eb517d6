"""The public pages work with JavaScript switched off (issue 8 acceptance, spec §11).

The home page, both lists, a detail page and search show their content, and their
links and GET forms (list filters, the search box) work without any script.
"""

from __future__ import annotations

import pytest

from marketplace.models import ListingStatus, TechField
from tests import factories
from tests.browser.conftest import screenshot
from tests.conftest import restore_reference_data

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ACHIEVEMENT = "无人机巡检图像缺陷识别算法"
OTHER_ACHIEVEMENT = "一种可降解农用地膜材料"
NEED = "电机定子绕组自动化焊接工艺改进"


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A page in a browser context with JavaScript disabled."""
    restore_reference_data()
    context = browser.new_context(
        java_script_enabled=False, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()


@pytest.fixture
def listings(transactional_db):
    restore_reference_data()
    university = factories.organisation(name="瓯江大学", kind="university")
    company = factories.organisation(name="鹿城电机有限公司", kind="enterprise")
    drone = factories.achievement(
        university,
        title=ACHIEVEMENT,
        summary="基于深度学习识别输电线路绝缘子破损，准确率 96%。",
        keywords=["无人机", "缺陷识别"],
        tech_field=TechField.objects.get(name="电子信息"),
        trl=7,
    )
    factories.achievement(university, title=OTHER_ACHIEVEMENT, trl=4)
    factories.achievement(university, title="尚未发布的草稿成果", status=ListingStatus.DRAFT)
    need = factories.need(company, title=NEED)
    return {"achievement": drone, "need": need}


def _main(page) -> str:
    return page.locator("main").inner_text()


def _open(page, path: str) -> None:
    response = page.goto(page.base_url + path)
    assert response is not None and response.status == 200, path


def test_scripts_are_really_off_in_this_context(page):
    page.goto(page.base_url + "/")
    page.set_content(
        "<p id=p>off</p><script>document.getElementById('p').textContent='on'</script>"
    )
    assert page.locator("#p").inner_text() == "off"


def test_home_page_and_lists_render_and_link_without_javascript(page, listings):
    _open(page, "/")
    assert page.locator("h1").first.is_visible()
    assert ACHIEVEMENT in _main(page)  # the latest listings are in the page itself
    screenshot(page, "nojs-home")

    page.locator("a[href='/achievements/']").first.click()
    page.wait_for_url("**/achievements/")
    text = _main(page)
    assert ACHIEVEMENT in text and OTHER_ACHIEVEMENT in text
    assert "尚未发布的草稿成果" not in text
    screenshot(page, "nojs-achievements")

    # The filter form is a plain GET form: choosing a field and submitting narrows the list.
    page.get_by_label("技术领域").select_option(label="电子信息")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/achievements/?*")
    text = _main(page)
    assert ACHIEVEMENT in text and OTHER_ACHIEVEMENT not in text

    page.get_by_role("link", name=ACHIEVEMENT).first.click()
    page.wait_for_url(f"**{listings['achievement'].get_absolute_url()}")
    assert page.locator("h1").inner_text() == ACHIEVEMENT
    assert "TRL 7" in _main(page) and "瓯江大学" in _main(page)
    screenshot(page, "nojs-achievement-detail")
    # ... and a way back to the list.
    page.locator("main a[href='/achievements/']").first.click()
    page.wait_for_url("**/achievements/")

    page.locator("a[href='/needs/']").first.click()
    page.wait_for_url("**/needs/")
    page.get_by_role("link", name=NEED).first.click()
    page.wait_for_url(f"**{listings['need'].get_absolute_url()}")
    assert page.locator("h1").inner_text() == NEED
    assert "翘曲" in _main(page)  # the need's situation text from the factory


def test_search_works_without_javascript(page, listings):
    _open(page, "/search/?q=无人机")
    assert ACHIEVEMENT in _main(page)
    screenshot(page, "nojs-search")

    # Searching again from the page's own form, by pressing Enter.
    box = page.locator("main input[name=q]")
    box.fill("地膜")
    box.press("Enter")
    page.wait_for_url("**/search/?*")
    assert OTHER_ACHIEVEMENT in _main(page)
    page.get_by_role("link", name=OTHER_ACHIEVEMENT).first.click()
    assert page.locator("h1").inner_text() == OTHER_ACHIEVEMENT
