"""The challenge pages (spec §4, §10): public list and detail, the issuer's pages with their
formsets (errors translated, nothing typed lost), and the staff-only screens (403)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Challenge, ChallengeAttachment, ChallengeStatus
from marketplace.services import challenges as services
from tests.challenges.helpers import World

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world():
    return World()


def form_data(organisation=None, **extra) -> dict:
    deadline = timezone.localtime(timezone.now() + dt.timedelta(days=20))
    data = {
        "organisation": str(organisation.pk) if organisation else "",
        "title": "低成本柔性电路导电银浆",
        "background": "现有银浆固化温度高，不适用于柔性基材。",
        "research_content": "开发 150℃ 以下固化的导电银浆配方。",
        "deliverables": "配方与工艺文件",
        "bounty_enterprise": "500000",
        "bounty_subsidy": "100000.50",
        "execution_start": "",
        "execution_end": "",
        "application_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "publicity_days": "7",
        "eligibility": "",
        "required_materials": "",
        "contact_name": "",
        "contact_phone": "",
        "contact_email": "",
        "tech_field": "",
        "industry": "",
        "keywords_text": "银浆，柔性电路",
        "kpi-TOTAL_FORMS": "2",
        "kpi-INITIAL_FORMS": "0",
        "kpi-MIN_NUM_FORMS": "0",
        "kpi-MAX_NUM_FORMS": "20",
        "kpi-0-indicator": "体积电阻率",
        "kpi-0-comparator": "lte",
        "kpi-0-target_value": "0.0001",
        "kpi-0-unit": "Ω·cm",
        "kpi-1-indicator": "",
        "criterion-TOTAL_FORMS": "2",
        "criterion-INITIAL_FORMS": "0",
        "criterion-MIN_NUM_FORMS": "0",
        "criterion-MAX_NUM_FORMS": "12",
        "criterion-0-name": "技术方案",
        "criterion-0-weight": "60",
        "criterion-1-name": "团队",
        "criterion-1-weight": "40",
    }
    data.update(extra)
    return data


# --- public ---------------------------------------------------------------------------------------
def test_the_list_shows_published_challenges_and_never_drafts(world, client):
    published = world.published()
    draft = world.draft(title="尚未提交的草稿榜单")
    page = client.get("/challenges/").content.decode()
    assert published.title in page and draft.title not in page
    assert "¥1,000,000（100 万元）" in page


def test_the_list_filters_by_stage(world, client):
    published = world.published()
    closed = world.closed()
    closed.title = "已截止的榜单"
    Challenge.objects.filter(pk=closed.pk).update(title="已截止的榜单")
    open_page = client.get("/challenges/?status=open").content.decode()
    assert published.title in open_page and "已截止的榜单" not in open_page
    review_page = client.get("/challenges/?status=review").content.decode()
    assert "已截止的榜单" in review_page


def test_the_list_costs_the_same_queries_whatever_its_length(
    world, client, django_assert_max_num_queries
):
    for i in range(3):
        world.published(title=f"榜单{i}")
    with django_assert_max_num_queries(8):
        client.get("/challenges/")
    for i in range(10):
        world.published(title=f"更多榜单{i}")
    with django_assert_max_num_queries(8):
        assert client.get("/challenges/").status_code == 200


def test_the_detail_page_shows_the_terms_and_a_public_timeline(world, client):
    challenge = world.published()
    page = client.get(challenge.get_absolute_url()).content.decode()
    for text in ("翘曲检测精度", "≤ 0.05mm", "良品率", "技术方案", "50%", "企业出资", "政府补助"):
        assert text in page, text
    assert "审核通过，发榜" in page and "科技局" in page
    assert world.staff.email not in page  # the timeline names sides, not people


def test_the_timeline_never_names_the_experts(world, client):
    challenge = world.closed()
    page = client.get(challenge.get_absolute_url()).content.decode()
    assert "指派评审专家" in page
    for expert in world.experts[:2]:
        assert expert.email not in page and str(expert) not in page


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("issuer", 200), ("issuer_colleague", 200), ("staff", 200), ("outsider", 404), (None, 404)],
)
def test_a_draft_is_seen_only_by_its_issuer_and_staff(world, client, persona, expected):
    challenge = world.draft()
    if persona:
        client.force_login(getattr(world, persona))
    assert client.get(challenge.get_absolute_url()).status_code == expected


def test_a_cancelled_challenge_that_had_been_published_keeps_its_public_page(world, client):
    challenge = world.published()
    services.challenge_cancel(challenge=challenge, by=world.issuer, reason="企业自行解决")
    page = client.get(challenge.get_absolute_url())
    assert page.status_code == 200 and "企业自行解决" in page.content.decode()


def test_the_apply_box_invites_login_then_the_form(world, client):
    challenge = world.published()
    assert "登录后" in client.get(challenge.get_absolute_url()).content.decode()
    client.force_login(world.researcher)
    assert "填写揭榜申请" in client.get(challenge.get_absolute_url()).content.decode()


def test_a_researcher_applies_through_the_page(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    challenge = world.published()
    client.force_login(world.researcher)
    url = reverse("marketplace:challenge_apply", args=[challenge.pk])
    bad = client.post(url, {"team_lead": "", "proposal": "我们的方案", "budget": "-5"})
    assert bad.status_code == 400
    body = bad.content.decode()
    assert "我们的方案" in body  # what was typed is kept
    response = client.post(
        url,
        {
            "team_lead": "张教授",
            "proposal": "我们的方案",
            "budget": "900000",
            "proposal_file": SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    application = challenge.applications.get()
    assert application.budget == Decimal("900000.00") and application.proposal_file


# --- the issuer's pages ------------------------------------------------------------------------
def test_an_enterprise_member_creates_a_draft_with_kpis_and_criteria(
    world, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.issuer)
    assert client.get("/challenges/new/").status_code == 200
    data = form_data(
        world.issuer_org,
        attachment=SimpleUploadedFile("榜单说明.pdf", PDF, content_type="application/pdf"),
    )
    response = client.post("/challenges/new/", data)
    assert response.status_code == 302
    challenge = Challenge.objects.get()
    assert challenge.status == ChallengeStatus.DRAFT
    assert challenge.bounty_total == Decimal("600000.50")
    assert challenge.keywords == ["银浆", "柔性电路"]
    assert [k.indicator for k in challenge.kpis.all()] == ["体积电阻率"]
    assert [(c.name, c.weight) for c in challenge.criteria.all()] == [
        ("技术方案", 60),
        ("团队", 40),
    ]
    assert ChallengeAttachment.objects.get().title == "榜单说明.pdf"


def test_save_and_submit_with_a_failing_checklist_keeps_the_draft_and_says_why(world, client):
    client.force_login(world.issuer)
    response = client.post(
        "/challenges/new/",
        form_data(world.issuer_org, **{"criterion-1-weight": "30", "submit": "1"}),
    )
    challenge = Challenge.objects.get()
    assert challenge.status == ChallengeStatus.DRAFT
    assert response["Location"] == reverse("marketplace:challenge_edit", args=[challenge.pk])
    page = client.get(response["Location"]).content.decode()
    assert "草稿已保存，但还不能提交审核" in page and "当前为 90" in page


def test_save_and_submit_with_everything_in_order_goes_to_review(world, client):
    client.force_login(world.issuer)
    client.post("/challenges/new/", form_data(world.issuer_org, submit="1"))
    assert Challenge.objects.get().status == ChallengeStatus.UNDER_REVIEW


def test_a_bad_submit_shows_translated_errors_and_keeps_what_was_typed(world, client):
    client.force_login(world.issuer)
    data = form_data(
        world.issuer_org,
        title="",
        bounty_enterprise="-1",
        **{"kpi-1-target_value": "12", "criterion-0-weight": "150"},
    )
    response = client.post("/challenges/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "必需字段" in page  # the title, in Django's Chinese
    assert "请填写指标名称" in page
    assert "开发 150℃ 以下固化的导电银浆配方" in page and "体积电阻率" in page
    assert not Challenge.objects.exists()


def test_a_pdf_attachment_that_is_not_a_pdf_is_refused_with_a_clear_error(world, client):
    client.force_login(world.issuer)
    fake = SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post("/challenges/new/", form_data(world.issuer_org, attachment=fake))
    assert response.status_code == 400
    assert "附件只接受 PDF 文件" in response.content.decode()
    assert not Challenge.objects.exists()


def test_a_researcher_is_told_how_to_issue_instead_of_a_form(world, client):
    client.force_login(world.researcher)
    response = client.get("/challenges/new/")
    assert response.status_code == 403 and "企业用户" in response.content.decode()


def test_staff_issue_on_an_enterprises_behalf_through_the_page(world, client):
    client.force_login(world.staff)
    response = client.post("/challenges/new/", form_data(world.issuer_org))
    assert response.status_code == 302
    challenge = Challenge.objects.get()
    assert challenge.issued_by_bureau and challenge.organisation == world.issuer_org


@pytest.mark.parametrize(
    ("persona", "expected"),
    [("issuer", 200), ("issuer_colleague", 200), ("staff", 403), ("outsider", 404)],
)
def test_only_the_issuer_opens_the_edit_page(world, client, persona, expected):
    challenge = world.draft()
    client.force_login(getattr(world, persona))
    assert client.get(f"/challenges/{challenge.pk}/edit/").status_code == expected


def test_an_edit_by_someone_not_allowed_changes_nothing(world, client):
    challenge = world.draft()
    client.force_login(world.outsider)
    client.post(f"/challenges/{challenge.pk}/edit/", form_data(title="被篡改"))
    assert Challenge.objects.get(pk=challenge.pk).title != "被篡改"


def test_the_edit_page_keeps_kpis_and_criteria_and_saves_changes(world, client):
    challenge = world.draft()
    client.force_login(world.issuer)
    page = client.get(f"/challenges/{challenge.pk}/edit/").content.decode()
    assert "翘曲检测精度" in page and 'value="0.05"' in page
    data = form_data(
        **{
            "kpi-TOTAL_FORMS": "1",
            "kpi-INITIAL_FORMS": "0",
            "criterion-TOTAL_FORMS": "1",
            "criterion-0-weight": "100",
            "criterion-1-name": "",
            "criterion-1-weight": "",
        }
    )
    data.pop("organisation")
    assert client.post(f"/challenges/{challenge.pk}/edit/", data).status_code == 302
    challenge.refresh_from_db()
    assert challenge.title == "低成本柔性电路导电银浆"
    assert [c.weight for c in challenge.criteria.all()] == [100]


def test_a_published_challenge_is_not_edited(world, client):
    challenge = world.published()
    client.force_login(world.issuer)
    response = client.get(f"/challenges/{challenge.pk}/edit/")
    assert response.status_code == 302


def test_my_challenges_lists_the_organisations_challenges(world, client):
    challenge = world.draft()
    client.force_login(world.issuer_colleague)
    assert challenge.title in client.get("/challenges/mine/").content.decode()
    client.force_login(world.outsider)
    assert challenge.title not in client.get("/challenges/mine/").content.decode()


def test_the_issuer_submits_from_the_detail_page(world, client):
    challenge = world.draft()
    client.force_login(world.issuer)
    client.post(reverse("marketplace:challenge_submit", args=[challenge.pk]))
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.UNDER_REVIEW


def test_an_outsider_cannot_cancel_through_the_page(world, client):
    challenge = world.published()
    client.force_login(world.outsider)
    response = client.post(
        reverse("marketplace:challenge_cancel", args=[challenge.pk]), {"reason": "x"}
    )
    assert response.status_code == 403
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.PUBLISHED


# --- staff screens ---------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["issuer", "researcher", "expert", "outsider"])
def test_staff_screens_answer_403_to_everyone_else(world, client, persona):
    challenge = world.under_review()
    client.force_login(getattr(world, persona))
    assert client.get("/challenges/manage/").status_code == 403
    assert client.get(f"/challenges/{challenge.pk}/manage/").status_code == 403
    assert client.post(f"/challenges/{challenge.pk}/manage/approve/").status_code == 403
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.UNDER_REVIEW


def test_anonymous_visitors_are_sent_to_log_in_for_staff_screens(world, client):
    response = client.get("/challenges/manage/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_see_the_queue_and_approve_from_the_management_page(world, client):
    challenge = world.under_review()
    client.force_login(world.staff)
    assert challenge.title in client.get("/challenges/manage/").content.decode()
    page = client.get(f"/challenges/{challenge.pk}/manage/").content.decode()
    assert "检查通过" in page
    client.post(f"/challenges/{challenge.pk}/manage/approve/")
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.PUBLISHED


def test_returning_without_a_reason_shows_the_error_and_changes_nothing(world, client):
    challenge = world.under_review()
    client.force_login(world.staff)
    response = client.post(f"/challenges/{challenge.pk}/manage/return/", {"reason": ""})
    assert response.status_code == 400 and "请填写原因" in response.content.decode()
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.UNDER_REVIEW


def test_a_refused_staff_action_is_explained_and_changes_nothing(world, client):
    challenge = world.published()
    client.force_login(world.staff)
    response = client.post(f"/challenges/{challenge.pk}/manage/close/", follow=True)
    assert "截止时间未到" in response.content.decode()
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.PUBLISHED


def test_an_unknown_staff_action_is_404(world, client):
    challenge = world.published()
    client.force_login(world.staff)
    assert client.post(f"/challenges/{challenge.pk}/manage/delete-everything/").status_code == 404


def test_staff_confirm_winners_and_award_from_the_page(world, client):
    challenge, first, _second = world.scored()
    client.force_login(world.staff)
    client.post(f"/challenges/{challenge.pk}/manage/publicise/", {"winners": [first.pk]})
    challenge.refresh_from_db()
    assert challenge.status == ChallengeStatus.PUBLICISED
    refused = client.post(f"/challenges/{challenge.pk}/manage/award/", follow=True)
    assert "公示期满后" in refused.content.decode()
    Challenge.objects.filter(pk=challenge.pk).update(
        publicity_ends_at=timezone.now() - dt.timedelta(minutes=1)
    )
    client.post(f"/challenges/{challenge.pk}/manage/award/")
    assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.AWARDED
    page = client.get(challenge.get_absolute_url()).content.decode()
    assert "揭榜成功" in page and first.organisation.name in page


def test_a_winner_id_no_row_could_have_is_refused_and_nothing_changes(world, client):
    challenge, first, _second = world.scored()
    client.force_login(world.staff)
    response = client.post(
        f"/challenges/{challenge.pk}/manage/publicise/",
        {"winners": [first.pk, "99999999999999999999"]},
    )
    assert response.status_code == 400  # the form shown again with its error; was a 500
    challenge.refresh_from_db()
    assert challenge.status != ChallengeStatus.PUBLICISED


def test_the_draft_attachment_is_not_served_to_outsiders_but_is_once_published(
    world, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    challenge = world.draft()
    attachment = services.challenge_add_attachment(
        challenge=challenge,
        by=world.issuer,
        file=SimpleUploadedFile("说明.pdf", PDF, content_type="application/pdf"),
    )
    url = reverse("marketplace:challenge_attachment", args=[challenge.pk, attachment.pk])
    assert client.get(url).status_code == 404
    services.challenge_submit(challenge=challenge, by=world.issuer)
    services.challenge_approve(challenge=challenge, by=world.staff)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_the_winner_reports_a_milestone_from_the_page(world, client):
    challenge, first = world.in_execution()
    milestone = challenge.milestones.get()
    client.force_login(world.researcher2)
    url = reverse("marketplace:challenge_milestone_done", args=[challenge.pk, milestone.pk])
    assert client.post(url, {"evidence": "冒充"}).status_code == 403
    client.force_login(world.researcher)
    client.post(url, {"evidence": "样机通过第三方检测"})
    milestone.refresh_from_db()
    assert milestone.done_at is not None and milestone.evidence == "样机通过第三方检测"
