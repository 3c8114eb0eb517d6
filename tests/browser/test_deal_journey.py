"""Spec §6 end to end: an enterprise inquires about an achievement, the researcher accepts,
they exchange a message, sign a contract, staff register it and it counts toward the target."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from marketplace.models import ContractStatus, Deal, DealStage, TechContract
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _sign_in(page, email):
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/accounts/profile/")


def test_inquiry_to_registered_contract(page):
    university = factories.organisation(name="瓯江大学", kind="university", region_code="330302")
    company = factories.organisation(
        name="鹿城智能装备有限公司", kind="enterprise", region_code="330302"
    )
    researcher = factories.member(university, Role.RESEARCHER, email="res@example.com")
    buyer = factories.member(company, Role.ENTERPRISE_MEMBER, email="ent@example.com")
    staff = factories.bureau_staff()
    achievement = factories.achievement(
        university, title="工业机器人视觉定位系统", confidential_detail="标定算法参数表见附件"
    )

    # The enterprise sends an inquiry from the achievement page.
    _sign_in(page, buyer.email)
    page.goto(page.base_url + achievement.get_absolute_url())
    assert "标定算法参数表" not in page.locator("main").inner_text()
    page.get_by_label("意向说明").fill("我司产线需要视觉定位，想了解技术许可条件。")
    page.get_by_role("button", name="发送合作意向").click()
    page.wait_for_load_state()
    deal = Deal.objects.get()
    assert deal.stage == DealStage.INQUIRY

    # The researcher accepts and answers.
    _sign_in(page, researcher.email)
    page.goto(page.base_url + "/deals/")
    page.get_by_role("link", name="工业机器人视觉定位系统").first.click()
    page.get_by_role("button", name="接受意向").click()
    page.wait_for_load_state()
    page.get_by_label("消息").fill("可以，欢迎来实验室交流，许可费用可面谈。")
    page.get_by_role("button", name="发送消息").click()
    page.wait_for_load_state()
    deal.refresh_from_db()
    assert deal.stage == DealStage.NEGOTIATING

    # The enterprise now sees the confidential detail and the reply, and records the contract.
    _sign_in(page, buyer.email)
    page.goto(page.base_url + achievement.get_absolute_url())
    assert "标定算法参数表" in page.locator("main").inner_text()
    page.goto(page.base_url + f"/deals/{deal.pk}/")
    assert "欢迎来实验室交流" in page.locator("main").inner_text()
    page.get_by_label("合同编号").fill("LC-2026-0001")
    page.get_by_label("合同名称").fill("工业机器人视觉定位技术许可合同")
    page.get_by_label("合同类型").select_option(label="技术许可")
    page.get_by_label("签订日期").fill(timezone.localdate().isoformat())
    page.get_by_label("合同成交额（元）").fill("800000")
    page.get_by_label("技术交易额（元）").fill("650000.50")
    screenshot(page, "deal-thread")
    page.get_by_role("button", name="提交合同").click()
    page.wait_for_load_state()
    contract = TechContract.objects.get(contract_no="LC-2026-0001")
    assert contract.status == ContractStatus.SUBMITTED and contract.deal == deal

    # Bureau staff register it in the admin.
    _sign_in(page, staff.email)
    page.goto(page.base_url + f"/admin/contracts/registry/{contract.pk}/")
    page.get_by_label("登记编号").fill("2026330302000001")
    page.get_by_label("登记日期").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_load_state()
    screenshot(page, "contract-registered")
    contract.refresh_from_db()
    deal.refresh_from_db()
    assert contract.status == ContractStatus.REGISTERED
    assert deal.stage == DealStage.REGISTERED

    out = StringIO()
    call_command(
        "target_progress", "--year", str(timezone.localdate().year), "--format", "json", stdout=out
    )
    progress = json.loads(out.getvalue())
    assert progress["counted"] == "650000.50" and progress["contracts"] == 1
