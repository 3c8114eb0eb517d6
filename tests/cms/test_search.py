"""Wagtail's own search (database backend) finds live content pages by their Chinese words."""

from __future__ import annotations

import datetime as dt

import pytest
from wagtail.models import Page

from cms.models import NewsPage
from search.analysis import join, query_words
from tests.cms.conftest import event, news, policy, standard

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    """Titles of the live pages for ``q``, segmented the way the search page does it."""
    words = join(query_words(q))
    return {page.title for page in Page.objects.live().public().search(words)}


def test_a_word_inside_a_run_of_chinese_finds_the_page(news_index, policy_index):
    policy(
        policy_index, title="关于促进科技成果转移转化的若干措施", body="<p>对技术交易给予奖励。</p>"
    )
    news(news_index, title="新材料成果对接会举行", body="<p>现场达成合作意向。</p>")
    assert found("转化") == {"关于促进科技成果转移转化的若干措施"}
    assert found("对接会") == {"新材料成果对接会举行"}
    assert found("奖励") == {"关于促进科技成果转移转化的若干措施"}  # from the body


def test_each_page_type_is_searchable_by_its_own_fields(
    home, news_index, policy_index, event_index
):
    policy(
        policy_index,
        title="政策甲",
        issuing_body="示例区科学技术局",
        document_number="示科〔2025〕7号",
    )
    event(event_index, title="活动乙", place="青山湖会展中心")
    news(news_index, title="资讯丙", summary="光伏组件清洗机器人签约")
    standard(home, title="关于我们", body=[("paragraph", "<p>平台由区科技局指导建设。</p>")])
    assert "政策甲" in found("科学技术局")
    assert "活动乙" in found("会展中心")
    assert "资讯丙" in found("机器人")
    assert "关于我们" in found("指导")


def test_a_query_of_several_words_needs_them_all(policy_index):
    policy(policy_index, title="揭榜挂帅项目管理办法", body="<p>专家评审和结果公示。</p>")
    assert found("揭榜挂帅管理办法") == {"揭榜挂帅项目管理办法"}
    assert found("揭榜挂帅 验收办法") == set()


def test_a_single_word_needs_no_segmenting(policy_index):
    policy(policy_index, title="关于促进科技成果转移转化的若干措施")
    titles = {p.title for p in Page.objects.live().search("转化")}
    assert titles == {"关于促进科技成果转移转化的若干措施"}


def test_drafts_and_unpublished_pages_are_not_found(news_index):
    page = news(news_index, title="撤下的资讯", body="<p>临时通知。</p>")
    assert found("临时通知") == {"撤下的资讯"}
    page.unpublish()
    assert found("临时通知") == set()
    news_index.add_child(
        instance=NewsPage(
            title="草稿资讯",
            slug="draft",
            date=dt.date(2025, 1, 1),
            body="<p>临时通知</p>",
            live=False,
        )
    )
    assert found("临时通知") == set()


def test_an_edit_is_found_once_published(news_index):
    page = news(news_index, title="旧标题资讯", body="<p>内容</p>")
    page.title = "创新挑战赛报名开始"
    page.save_revision().publish()
    assert found("挑战赛") == {"创新挑战赛报名开始"}
