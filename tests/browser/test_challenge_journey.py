"""Spec §4 end to end: an enterprise publishes a challenge (staff approve), a researcher's team
applies, staff assign two experts who score, staff confirm the winner and award, and the
public sees the 公示 list and then the awarded state."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from marketplace.models import Challenge, ChallengeStatus, ExpertScore, TechContract
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _sign_in(page, email):
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/profile/")


def _manage(page, challenge):
    page.goto(page.base_url + f"/challenges/{challenge.pk}/manage/")


def _score(page, challenge, values):
    page.goto(page.base_url + "/challenges/reviews/")
    page.get_by_role("link", name=challenge.title).click()
    page.wait_for_url(f"**/challenges/{challenge.pk}/review/")
    for label, value in values.items():
        page.get_by_label(label).fill(str(value))
    page.get_by_role("button", name="提交评分").click()
    page.wait_for_load_state()


def test_enterprise_challenge_to_publicised_and_awarded_result(page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    company = factories.organisation(name="鹿城智能装备有限公司", kind="enterprise")
    issuer = factories.member(company, Role.ENTERPRISE_MEMBER, email="ent@example.com")
    university = factories.organisation(name="瓯江大学", kind="university", region_code="330106")
    researcher = factories.member(university, Role.RESEARCHER, email="res@example.com")
    panel = factories.organisation(name="浙南工业技术研究院", kind="institute")
    experts = [factories.member(panel, Role.EXPERT, email=f"expert{i}@example.com") for i in (1, 2)]
    staff = factories.bureau_staff()

    # 1. The enterprise writes the challenge with a quantified KPI and submits it.
    _sign_in(page, issuer.email)
    page.goto(page.base_url + "/challenges/new/")
    page.get_by_label("榜单名称").fill("大型结构件机器人焊接工作站")
    page.get_by_label("需求背景").fill("客车车架方管焊接全靠人工，效率低、质量不稳定。")
    page.get_by_label("攻关内容").fill("开发覆盖平、横、立焊位的机器人焊接工作站。")
    page.get_by_label("企业出资（元）").fill("1200000")
    page.get_by_label("政府补助（元）").fill("300000")
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=20))
    page.get_by_label("申报截止时间").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("第 1 项指标名称").fill("焊缝探伤一次合格率")
    page.get_by_label("第 1 项比较").select_option(label="≥")
    page.get_by_label("第 1 项目标值").fill("99")
    page.get_by_label("第 1 项单位").fill("%")
    screenshot(page, "challenge-form")
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_url("**/challenges/*/")
    challenge = Challenge.objects.get()
    assert challenge.status == ChallengeStatus.UNDER_REVIEW
    assert challenge.bounty_total == Decimal("1500000.00")

    # 2. Bureau staff approve it from the queue: it is published (发榜).
    _sign_in(page, staff.email)
    page.goto(page.base_url + "/challenges/manage/")
    page.get_by_role("link", name="大型结构件机器人焊接工作站").click()
    page.get_by_role("button", name="审核通过并发榜").click()
    page.wait_for_load_state()
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.PUBLISHED

    # 3. The researcher's team applies with a PDF proposal.
    _sign_in(page, researcher.email)
    page.goto(page.base_url + challenge.get_absolute_url())
    page.get_by_role("link", name="填写揭榜申请").click()
    page.get_by_label("团队负责人").fill("张研")
    page.locator("textarea[name=proposal]").fill("视觉引导 + 多层多道焊接路径规划。")
    page.get_by_label("经费预算（元）").fill("1450000")
    proposal = tmp_path / "方案.pdf"
    proposal.write_bytes(PDF)
    page.locator("input[name=proposal_file]").set_input_files(str(proposal))
    page.get_by_role("button", name="提交揭榜申请").click()
    page.wait_for_url("**/applications/*/")
    application = challenge.applications.get()
    assert application.organisation == university

    # 4. Staff assign two experts; the deadline passes and the evaluation starts.
    _sign_in(page, staff.email)
    for expert in experts:
        _manage(page, challenge)
        page.locator("select[name=expert]").select_option(label=expert.email)
        page.get_by_role("button", name="指派专家").click()
        page.wait_for_load_state()
    assert challenge.assignments.count() == 2
    Challenge.objects.filter(pk=challenge.pk).update(
        application_deadline=timezone.now() - dt.timedelta(minutes=1)
    )  # time passes
    _manage(page, challenge)
    page.get_by_role("button", name="截止申报").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="开始评审").click()
    page.wait_for_load_state()
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.EVALUATION

    # 5. Each expert scores every criterion, blind to the other's scores.
    criteria = {
        "技术方案的先进性与可行性": 40,
        "团队能力与研究基础": 30,
        "经费预算与进度安排的合理性": 30,
    }
    _sign_in(page, experts[0].email)
    _score(page, challenge, {f"{name}（{w}%）": 90 for name, w in criteria.items()})
    _sign_in(page, experts[1].email)
    _score(page, challenge, {f"{name}（{w}%）": 80 for name, w in criteria.items()})
    values = page.locator("form.score-form input[type=number]").evaluate_all(
        "inputs => inputs.map(input => input.value)"
    )
    assert values == ["80", "80", "80"]  # their own scores, never the other expert's 90s
    assert "我的加权总分：80" in page.locator("main").inner_text()
    screenshot(page, "challenge-review")
    assert ExpertScore.objects.count() == 6

    # 6. Staff see the result (85.00) and confirm the winner: the 公示 list is public.
    _sign_in(page, staff.email)
    _manage(page, challenge)
    assert "85.00" in page.locator("table.results-table").inner_text()
    page.get_by_label("瓯江大学").check()
    page.get_by_role("button", name="确认揭榜单位并公示").click()
    page.wait_for_load_state()
    page.context.clear_cookies()
    page.goto(page.base_url + challenge.get_absolute_url())
    publicity = page.locator("section.challenge-publicity").inner_text()
    assert "揭榜结果公示" in publicity and "瓯江大学" in publicity and "85.00" in publicity
    screenshot(page, "challenge-publicity")

    # 7. Publicity ends; staff confirm the award and the contract draft exists.
    Challenge.objects.filter(pk=challenge.pk).update(
        publicity_ends_at=timezone.now() - dt.timedelta(minutes=1)
    )
    _sign_in(page, staff.email)
    _manage(page, challenge)
    page.get_by_role("button", name="确认揭榜成功").click()
    page.wait_for_load_state()
    contract = TechContract.objects.get(challenge=challenge)
    assert (contract.seller_name, contract.buyer_name) == ("瓯江大学", "鹿城智能装备有限公司")
    assert contract.contract_amount == Decimal("1500000.00")

    # 8. The public sees the awarded state.
    page.context.clear_cookies()
    page.goto(page.base_url + challenge.get_absolute_url())
    main = page.locator("main").inner_text()
    assert "揭榜成功" in main and "瓯江大学" in main
    screenshot(page, "challenge-awarded")
    page.goto(page.base_url + "/challenges/?status=awarded")
    assert "大型结构件机器人焊接工作站" in page.locator("main").inner_text()
