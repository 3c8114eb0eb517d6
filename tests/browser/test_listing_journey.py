"""Spec §3 end to end: a researcher publishes an achievement with an image, staff approve it,
and a visitor finds it on the public list."""

import io

import pytest
from PIL import Image

from accounts.models import Role
from marketplace.models import Achievement, ListingStatus
from tests import factories
from tests.browser.conftest import screenshot

# True once the image has loaded with real pixels, false if it failed to load.
LOADED_IMAGE = """img => img.complete
    ? img.naturalWidth > 0
    : new Promise(done => {
        img.addEventListener("load", () => done(img.naturalWidth > 0));
        img.addEventListener("error", () => done(false));
    })"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _sign_in(page, email):
    page.goto(page.base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/profile/")


def _sign_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    page.context.clear_cookies()


def _png(tmp_path):
    path = tmp_path / "实验样品.png"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (11, 92, 173)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_researcher_publishes_an_achievement_that_staff_approve(page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    university = factories.organisation(name="瓯江大学", kind="university")
    researcher = factories.member(university, Role.RESEARCHER, email="zhang@example.com")
    staff = factories.bureau_staff()

    # 1. The researcher fills in the form, attaches an image and submits for review.
    _sign_in(page, researcher.email)
    page.goto(page.base_url + "/achievements/new/")
    page.get_by_label("标题").fill("一种低成本钠离子电池负极材料")
    page.get_by_label("成果简介").fill("以生物质硬碳为负极，首效 90%，成本较石墨降低 40%。")
    page.get_by_label("技术领域").select_option(label="电池")
    page.get_by_label("技术成熟度").select_option(value="5")
    page.get_by_label("技术转让").check()
    page.locator("input[name=image]").set_input_files(str(_png(tmp_path)))
    page.get_by_label("图片说明").fill("硬碳负极样品")
    screenshot(page, "achievement-form")
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_url("**/achievements/*/")
    assert "已提交审核" in page.locator("main").inner_text()
    achievement = Achievement.objects.get(title="一种低成本钠离子电池负极材料")
    assert achievement.status == ListingStatus.SUBMITTED
    assert achievement.images.count() == 1
    _sign_out(page)

    # 2. Not public yet.
    page.goto(page.base_url + "/achievements/")
    assert "一种低成本钠离子电池负极材料" not in page.locator("main").inner_text()

    # 3. Bureau staff approve it in the admin review queue.
    _sign_in(page, staff.email)
    page.goto(page.base_url + "/admin/review/achievements/")
    page.get_by_role("link", name="一种低成本钠离子电池负极材料").first.click()
    screenshot(page, "admin-review")
    page.get_by_role("button", name="通过").click()
    page.wait_for_load_state()
    achievement.refresh_from_db()
    assert achievement.status == ListingStatus.PUBLISHED
    page.context.clear_cookies()

    # 4. A visitor sees it on the public list and opens it.
    page.goto(page.base_url + "/achievements/")
    page.get_by_role("link", name="一种低成本钠离子电池负极材料").click()
    main = page.locator("main")
    assert "TRL 5" in main.inner_text() and "技术转让" in main.inner_text()
    image = main.get_by_role("img", name="硬碳负极样品")
    assert image.count() == 1
    # Wait for the picture itself (a loaded machine may still be fetching it), then check it.
    assert image.evaluate(LOADED_IMAGE)
    screenshot(page, "achievement-published")
