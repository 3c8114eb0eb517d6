"""Every role end to end in a real browser (spec §1, §3, §6, §11).

- A researcher signs up, confirms the e-mail, joins a verified university (its admin
  approves), publishes an achievement that staff approve, and a visitor finds it.
- An enterprise member posts a need; staff approve it; its page is public and shows
  the matching achievement.
- Bureau staff register a submitted contract and the year's registered total moves.

The live server runs in this process, so e-mail lands in ``django.core.mail.outbox``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Membership, MembershipRequest, MembershipRequestStatus, Role, User
from accounts.services import membership_add
from marketplace.ledger import target_progress
from marketplace.models import Achievement, ContractStatus, ListingStatus, Need, TechField
from marketplace.services import contracts as contract_services
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "Ojdx-sodium-2026"
# The home page marks the year's registered total with this attribute (cms template).
REGISTERED_TOTAL = "[data-figure='registered-total']"


def _sign_in(page, email: str, password: str = factories.PASSWORD) -> None:
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/profile/")


def _main_text(page) -> str:
    return page.locator("main").inner_text()


def _mail_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def _confirmation_path(body: str) -> str:
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", body).group(0)
    return re.sub(r"^https?://[^/]+", "", link)


def _approve_in_review_queue(page, staff: User, kind: str, title: str) -> None:
    _sign_in(page, staff.email)
    page.goto(page.base_url + f"/admin/review/{kind}/")
    page.get_by_role("link", name=title).first.click()
    page.get_by_role("button", name="通过").click()
    page.wait_for_load_state()


def test_researcher_signs_up_joins_a_university_and_publishes_an_achievement(page):
    university = factories.organisation(name="瓯江大学", kind="university")
    admin = factories.user("renshi@ojdx.example.com", display_name="人事处王老师")
    membership_add(user=admin, organisation=university, role=Role.RESEARCHER, is_admin=True)
    staff = factories.bureau_staff()
    email = "chen.sodium@example.com"

    # 1. Sign-up; the verification e-mail is read from the test mailbox and confirmed.
    page.goto(page.base_url + "/accounts/signup/")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    screenshot(page, "signup")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    (verification,) = _mail_to(email)
    assert "科创大市场" in verification.subject
    page.goto(page.base_url + _confirmation_path(verification.body))
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert User.objects.get(email=email).emailaddress_set.get().verified

    # 2. Signs in, finds the university by name and asks to join it as a researcher.
    _sign_in(page, email, PASSWORD)
    page.get_by_role("link", name="申请加入已有机构").click()
    page.locator("main input[name=q]").fill("瓯江")
    page.get_by_role("button", name="查找").click()
    page.get_by_role("link", name="申请加入瓯江大学").click()
    page.get_by_label("申请的角色").select_option(value=Role.RESEARCHER)
    page.get_by_label("申请说明").fill("材料与化学工程学院 陈老师，工号 2019031")
    screenshot(page, "join-organisation")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_url("**/accounts/profile/")
    assert "待审批" in _main_text(page)
    join_request = MembershipRequest.objects.get(user__email=email)
    assert join_request.status == MembershipRequestStatus.PENDING
    assert _mail_to(admin.email), "the university's admin is told by e-mail"

    # 3. The university's admin approves in the browser; the researcher is told by e-mail.
    _sign_in(page, admin.email)
    page.get_by_role("link", name=re.compile("审批加入申请")).click()
    assert email in _main_text(page)
    screenshot(page, "membership-requests")
    page.get_by_role("button", name=f"同意 {email} 加入").click()
    page.wait_for_load_state()
    membership = Membership.objects.get(user__email=email, organisation=university)
    assert membership.role == Role.RESEARCHER and not membership.is_admin
    (decision,) = _mail_to(email)[1:]
    assert "瓯江大学" in decision.subject

    # 4. The researcher writes an achievement (a draft), then submits it for review.
    title = "一种生物质硬碳钠离子电池负极材料"
    _sign_in(page, email, PASSWORD)
    assert "瓯江大学" in _main_text(page)
    page.goto(page.base_url + "/achievements/new/")
    page.get_by_label("标题").fill(title)
    page.get_by_label("成果简介").fill(
        "以竹屑为原料制备硬碳负极，钠离子电池首次库伦效率 90%，成本较石墨负极降低 40%。"
    )
    page.get_by_label("技术领域").select_option(label="新能源与高效节能（全部）")
    page.get_by_label("技术成熟度").select_option(value="5")
    page.get_by_label("关键词").fill("钠离子电池，硬碳，负极材料")
    page.get_by_role("button", name="保存", exact=True).click()
    page.wait_for_url("**/achievements/*/")
    achievement = Achievement.objects.get(title=title)
    assert achievement.status == ListingStatus.DRAFT
    page.goto(page.base_url + "/achievements/mine/")
    page.get_by_role("row", name=re.compile(title)).get_by_role("button", name="提交审核").click()
    page.wait_for_load_state()
    achievement.refresh_from_db()
    assert achievement.status == ListingStatus.SUBMITTED

    # 5. Bureau staff approve it in the review queue of the Wagtail admin.
    _approve_in_review_queue(page, staff, "achievements", title)
    achievement.refresh_from_db()
    assert achievement.status == ListingStatus.PUBLISHED

    # 6. A visitor sees it on the public list and finds it through search.
    page.context.clear_cookies()
    page.goto(page.base_url + "/achievements/")
    page.get_by_role("link", name=title).click()
    assert page.locator("h1").inner_text() == title
    assert "瓯江大学" in _main_text(page)
    page.goto(page.base_url + "/search/")
    page.locator("main input[name=q]").fill("钠离子 负极")
    page.locator("main form[role=search] button[type=submit]").click()
    page.wait_for_url("**/search/?*")
    page.get_by_role("link", name=title).first.click()
    page.wait_for_url(f"**{achievement.get_absolute_url()}")
    screenshot(page, "researcher-achievement-found")


def test_enterprise_member_posts_a_need_that_staff_approve(page):
    company = factories.organisation(name="鹿城智能装备有限公司", kind="enterprise")
    member = factories.member(company, Role.ENTERPRISE_MEMBER, email="gongyi@example.com")
    staff = factories.bureau_staff()
    title = "注塑件翘曲变形的在线检测与工艺优化"
    university = factories.organisation(name="浙南工业技术研究院", kind="institute")
    answer = factories.achievement(
        university,
        title="注塑件翘曲变形机器视觉在线检测系统",
        summary="结构光三维测量注塑件翘曲变形，在线检测节拍 8 秒/件，配套注塑工艺参数优化。",
        keywords=["注塑件", "翘曲变形", "在线检测", "工艺优化"],
        tech_field=TechField.objects.get(name="先进制造"),
        trl=6,
    )
    factories.achievement(university, title="一种耐盐碱水稻育种方法", keywords=["水稻"])

    _sign_in(page, member.email)
    page.goto(page.base_url + "/needs/new/")
    page.get_by_label("标题").fill(title)
    page.get_by_label("现状与技术瓶颈").fill(
        "汽车内饰注塑件冷却后翘曲超差，目前靠人工抽检，返工率约 6%。"
    )
    page.get_by_label("量化指标").fill("翘曲量≤0.3 mm，检测节拍≤10 s/件")
    page.get_by_label("技术领域").select_option(label="先进制造（全部）")
    screenshot(page, "need-form")
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_url("**/needs/*/")
    need = Need.objects.get(title=title)
    assert need.status == ListingStatus.SUBMITTED

    # Not public until approved.
    page.context.clear_cookies()
    page.goto(page.base_url + "/needs/")
    assert title not in _main_text(page)
    assert page.goto(page.base_url + need.get_absolute_url()).status == 404

    _approve_in_review_queue(page, staff, "needs", title)
    need.refresh_from_db()
    assert need.status == ListingStatus.PUBLISHED

    page.context.clear_cookies()
    page.goto(page.base_url + "/needs/")
    page.get_by_role("link", name=title).click()
    assert page.locator("h1").inner_text() == title
    assert "翘曲量≤0.3 mm" in _main_text(page)
    screenshot(page, "need-published")

    # The enterprise sees the matching achievement on its need's page (search's matches
    # section, #matches), and not the unrelated one; the match leads to the achievement.
    _sign_in(page, member.email)
    page.goto(page.base_url + need.get_absolute_url())
    matches = page.locator("#matches")
    assert answer.title in matches.inner_text()
    assert "耐盐碱水稻" not in matches.inner_text()
    screenshot(page, "need-matches")
    matches.get_by_role("link", name=answer.title).click()
    page.wait_for_url(f"**{answer.get_absolute_url()}")


def _submitted_contract(seller, buyer, by: User):
    contract = contract_services.contract_create(
        data={
            "contract_no": "LC-2026-JOURNEY-01",
            "title": "伺服压机智能控制技术转让合同",
            "contract_type": "transfer",
            "seller_name": seller.name,
            "seller_credit_code": seller.credit_code,
            "seller_region": seller.region_code,
            "buyer_name": buyer.name,
            "buyer_credit_code": buyer.credit_code,
            "buyer_region": buyer.region_code,
            "signed_on": timezone.localdate() - dt.timedelta(days=3),
            "contract_amount": Decimal("3200000.00"),
            "tech_amount": Decimal("2800000.00"),
        },
        by=by,
    )
    return contract_services.contract_submit(contract=contract, by=by)


def _home_figure(page) -> str:
    """The text of the home page's registered-total figure (the page's main text without it)."""
    page.goto(page.base_url + "/")
    figure = page.locator(REGISTERED_TOTAL)
    return figure.first.inner_text() if figure.count() else _main_text(page)


def test_staff_register_a_contract_and_the_home_page_total_moves(page):
    university = factories.organisation(name="瓯江大学", kind="university", region_code="330302")
    company = factories.organisation(name="温州伺服科技有限公司", kind="enterprise")
    researcher = factories.member(university, Role.RESEARCHER)
    staff = factories.bureau_staff()
    contract = _submitted_contract(university, company, researcher)
    year = timezone.localdate().year
    before = target_progress(year)
    figure_before = _home_figure(page)

    _sign_in(page, staff.email)
    page.goto(page.base_url + "/admin/contracts/registry/")
    page.get_by_role("link", name="LC-2026-JOURNEY-01").click()
    page.get_by_label("登记编号").fill("2026330302000042")
    page.get_by_label("登记日期").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_load_state()
    screenshot(page, "staff-contract-registered")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.REGISTERED

    after = target_progress(year)
    assert after["counted"] - before["counted"] == Decimal("2800000.00")
    assert after["contracts"] == before["contracts"] + 1

    page.context.clear_cookies()
    figure_after = _home_figure(page)
    screenshot(page, "home-after-registration")
    # The one way money is shown (marketplace.templatetags.money): ¥2,800,000（280 万元）.
    assert "¥2,800,000" not in figure_before
    assert "¥2,800,000" in figure_after


def test_visitor_searches_from_the_home_page_and_opens_a_result(page):
    org = factories.organisation(name="东海理工大学")
    factories.achievement(org, title="高精度激光焊接熔深在线监测系统", keywords=["激光焊接"])
    factories.achievement(org, title="草稿中的激光成果", status=ListingStatus.DRAFT)

    page.goto(page.base_url + "/")
    box = page.get_by_role("search").first
    box.locator("input[name=q]").fill("激光焊接")
    box.locator("button[type=submit]").click()
    page.wait_for_url("**/search/?*")
    results = _main_text(page)
    assert "高精度激光焊接熔深在线监测系统" in results
    assert "草稿中的激光成果" not in results
    screenshot(page, "visitor-search")
    page.get_by_role("link", name="高精度激光焊接熔深在线监测系统").first.click()
    assert page.locator("h1").inner_text() == "高精度激光焊接熔深在线监测系统"
