"""Bureau staff extend the search dictionary in the real admin; a visitor's search keeps the
new word whole (spec §5)."""

from __future__ import annotations

import pytest

from search.models import DictionaryWord
from tests import factories
from tests.browser.conftest import screenshot
from tests.browser.test_role_journeys import _sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WORD = "光伏储氢一体机"


def test_staff_add_a_dictionary_word_and_search_marks_it_whole(page):
    org = factories.organisation(name="东海理工大学")
    factories.achievement(
        org, title="园区能源系统", summary="新型光伏储氢一体机的能量管理方法，适用于园区微电网。"
    )
    staff = factories.bureau_staff()

    page.goto(page.base_url + f"/search/?q={WORD}")
    before = page.locator("main mark").all_inner_texts()
    assert WORD not in before  # cut into 光伏 / 储氢 / 一体机 by the built-in dictionary

    _sign_in(page, staff.email)
    page.goto(page.base_url + "/admin/")
    page.get_by_role("link", name="检索词典").first.click()
    page.locator("a[href$='/admin/search/dictionary/new/']").first.click()  # 添加 (not 批量添加)
    page.get_by_label("词语").fill("光伏儲氫一體機")  # traditional: stored simplified
    page.get_by_label("备注").fill("储能企业建议")
    page.get_by_role("button", name="创建").click()
    page.wait_for_load_state()
    screenshot(page, "staff-dictionary-word-added")
    assert "重新索引" in page.locator("body").inner_text()
    assert DictionaryWord.objects.filter(word=WORD).exists()

    page.context.clear_cookies()
    page.goto(page.base_url + f"/search/?q={WORD}")
    assert page.locator("main mark").all_inner_texts() == [WORD]
    screenshot(page, "visitor-search-dictionary-word")
