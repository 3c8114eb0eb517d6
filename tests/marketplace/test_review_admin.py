"""The bureau's review queue and code lists in the Wagtail admin (spec §2, §3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marketplace.models import (
    Achievement,
    CooperationMode,
    ListingEvent,
    ListingRevision,
    ListingStatus,
    RevisionStatus,
    TechField,
)
from marketplace.services.listings import listing_update
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def field():
    return TechField.objects.filter(parent=None).order_by("id").first()


@pytest.fixture
def submitted(personas, field):
    return factories.achievement(
        personas.organisation,
        status=ListingStatus.SUBMITTED,
        submitted_at=timezone.now(),
        title="待审的固态电池成果",
        tech_field=field,
    )


@pytest.fixture
def submitted_need(field):
    company = factories.organisation(kind="enterprise")
    return factories.need(
        company,
        status=ListingStatus.SUBMITTED,
        submitted_at=timezone.now(),
        title="待审的注塑工艺需求",
        tech_field=field,
    )


@pytest.fixture
def published(personas, field):
    return factories.achievement(
        personas.organisation,
        status=ListingStatus.PUBLISHED,
        published_at=timezone.now(),
        title="旧标题",
        tech_field=field,
    )


@pytest.fixture
def revision(personas, published):
    return listing_update(listing=published, by=personas.owner, data={"title": "新标题"})


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _events(listing, action):
    return ListingEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(listing), object_id=listing.pk, action=action
    )


# --- the queue ---------------------------------------------------------------------------
def test_staff_see_submitted_achievements_and_needs_in_the_queue(
    client, personas, submitted, submitted_need
):
    factories.achievement(personas.organisation, title="已发布的不在队列", tech_field=None)
    client.force_login(personas.staff)

    achievements = client.get(reverse("review_achievements:index"))
    needs = client.get(reverse("review_needs:index"))

    assert achievements.status_code == 200 and needs.status_code == 200
    page = achievements.content.decode()
    assert "待审的固态电池成果" in page
    assert personas.organisation.name in page
    assert str(submitted.tech_field) in page
    assert "已发布的不在队列" not in page
    assert "待审的注塑工艺需求" in needs.content.decode()


def test_the_queue_flags_an_unverified_organisation(client, personas, field):
    pending_org = factories.organisation(verified=False)
    factories.achievement(
        pending_org,
        status=ListingStatus.SUBMITTED,
        submitted_at=timezone.now(),
        title="未认证机构的成果",
        tech_field=field,
    )
    client.force_login(personas.staff)
    page = client.get(reverse("review_achievements:index")).content.decode()
    assert "未认证机构的成果" in page
    assert "机构未认证，不能通过" in page


def test_the_queue_filters_by_organisation_kind_field_and_date(client, personas, submitted, field):
    other_field = TechField.objects.filter(parent=None).exclude(pk=field.pk).first()
    company = factories.organisation(kind="enterprise")
    factories.achievement(
        company,
        status=ListingStatus.SUBMITTED,
        submitted_at=timezone.now(),
        title="企业的成果",
        tech_field=other_field,
    )
    client.force_login(personas.staff)
    url = reverse("review_achievements:index")

    by_kind = client.get(url, {"organisation_kind": "enterprise"}).content.decode()
    assert "企业的成果" in by_kind and "待审的固态电池成果" not in by_kind

    by_field = client.get(url, {"tech_field": field.pk}).content.decode()
    assert "待审的固态电池成果" in by_field and "企业的成果" not in by_field

    by_org = client.get(url, {"organisation": personas.organisation.pk}).content.decode()
    assert "待审的固态电池成果" in by_org and "企业的成果" not in by_org

    today = timezone.localdate().isoformat()
    by_date = client.get(url, {"submitted_at_from": "2000-01-01", "submitted_at_to": "2000-12-31"})
    assert "待审的固态电池成果" not in by_date.content.decode()
    on_today = client.get(url, {"submitted_at_from": today, "submitted_at_to": today})
    assert "待审的固态电池成果" in on_today.content.decode()


def test_the_review_page_shows_content_and_timeline(client, personas, submitted):
    ListingEvent.objects.create(
        content_type_id=_content_type_id(submitted),
        object_id=submitted.pk,
        actor=personas.owner,
        action="submit",
        from_status=ListingStatus.DRAFT,
        to_status=ListingStatus.SUBMITTED,
    )
    client.force_login(personas.staff)
    response = client.get(reverse("review_achievements:review", args=[submitted.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert submitted.summary in page
    assert "提交审核" in page and str(personas.owner) in page  # the timeline row
    assert reverse("review_achievements:approve", args=[submitted.pk]) in page
    assert 'name="csrfmiddlewaretoken"' in page


def _content_type_id(listing):
    return ContentType.objects.get_for_model(listing).pk


# --- single decisions --------------------------------------------------------------------
def test_approving_in_the_admin_publishes_and_logs(client, personas, submitted):
    client.force_login(personas.staff)
    response = client.post(reverse("review_achievements:approve", args=[submitted.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("review_achievements:index")
    submitted.refresh_from_db()
    assert submitted.status == ListingStatus.PUBLISHED
    assert submitted.published_at is not None
    event = _events(submitted, "approve").get()
    assert event.actor == personas.staff
    assert (event.from_status, event.to_status) == ("submitted", "published")


def test_approving_an_unverified_organisations_listing_is_refused_with_a_message(
    client, personas, field
):
    listing = factories.achievement(
        factories.organisation(verified=False),
        status=ListingStatus.SUBMITTED,
        submitted_at=timezone.now(),
        tech_field=field,
    )
    client.force_login(personas.staff)
    response = client.post(reverse("review_achievements:approve", args=[listing.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("review_achievements:review", args=[listing.pk])
    assert any("尚未通过认证" in m for m in _messages(response))
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SUBMITTED
    assert not _events(listing, "approve").exists()


def test_return_requires_a_reason(client, personas, submitted):
    client.force_login(personas.staff)
    response = client.post(
        reverse("review_achievements:return", args=[submitted.pk]), {"reason": "   "}
    )
    assert response.status_code == 200
    assert "请填写退回原因" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ListingStatus.SUBMITTED


def test_returning_shows_the_reason_to_the_owner(client, personas, submitted):
    client.force_login(personas.staff)
    response = client.post(
        reverse("review_achievements:return", args=[submitted.pk]),
        {"reason": "请补充知识产权信息"},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ListingStatus.RETURNED
    assert submitted.status_reason == "请补充知识产权信息"
    assert _events(submitted, "return").get().reason == "请补充知识产权信息"

    owner = Client()
    owner.force_login(personas.owner)
    page = owner.get(reverse("marketplace:achievement_detail", args=[submitted.pk]))
    assert page.status_code == 200
    assert "请补充知识产权信息" in page.content.decode()


def test_the_need_review_page_reads_money_and_choices(client, personas, submitted_need):
    submitted_need.budget_min = Decimal("200000")
    submitted_need.budget_max = Decimal("500000")
    submitted_need.disclosure = "anonymous"
    submitted_need.save()
    client.force_login(personas.staff)
    page = client.get(reverse("review_needs:review", args=[submitted_need.pk])).content.decode()
    assert submitted_need.description in page
    assert "¥200,000" in page and "¥500,000" in page
    assert "匿名（隐去企业名称）" in page


def test_a_need_is_approved_through_its_own_queue(client, personas, submitted_need):
    client.force_login(personas.staff)
    client.post(reverse("review_needs:approve", args=[submitted_need.pk]))
    submitted_need.refresh_from_db()
    assert submitted_need.status == ListingStatus.PUBLISHED


def test_decision_pages_answer_get_with_a_confirmation(client, personas, submitted):
    client.force_login(personas.staff)
    approve = client.get(reverse("review_achievements:approve", args=[submitted.pk]))
    reject = client.get(reverse("review_achievements:return", args=[submitted.pk]))
    assert approve.status_code == 200 and reject.status_code == 200
    assert 'name="reason"' in reject.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == ListingStatus.SUBMITTED


def test_posts_without_a_csrf_token_are_refused(personas, submitted):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.staff)
    response = client.post(reverse("review_achievements:approve", args=[submitted.pk]))
    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == ListingStatus.SUBMITTED


# --- bulk --------------------------------------------------------------------------------
def _bulk_url(action, listings, model="achievement"):
    ids = "&".join(f"id={listing.pk}" for listing in listings)
    return reverse("wagtail_bulk_action", args=["marketplace", model, action]) + "?" + ids


def test_bulk_approve_publishes_several_and_reports_the_unverified_one(client, personas, field):
    good = [
        factories.achievement(
            personas.organisation,
            status=ListingStatus.SUBMITTED,
            submitted_at=timezone.now(),
            tech_field=field,
        )
        for _ in range(2)
    ]
    bad = factories.achievement(
        factories.organisation(verified=False),
        status=ListingStatus.SUBMITTED,
        submitted_at=timezone.now(),
        title="未认证机构的成果",
        tech_field=field,
    )
    client.force_login(personas.staff)
    url = _bulk_url("review-approve", [*good, bad])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "未认证机构的成果" in confirm.content.decode()

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("review_achievements:index")
    for listing in good:
        listing.refresh_from_db()
        assert listing.status == ListingStatus.PUBLISHED
    bad.refresh_from_db()
    assert bad.status == ListingStatus.SUBMITTED
    messages = _messages(response)
    assert any("已通过并发布 2 条" in m for m in messages)
    assert any(
        "1 条未能处理" in m and "未认证机构的成果" in m and "尚未通过认证" in m for m in messages
    )


def test_bulk_return_uses_one_reason_for_all(client, personas, submitted, field):
    other = factories.achievement(
        personas.organisation,
        status=ListingStatus.SUBMITTED,
        submitted_at=timezone.now(),
        tech_field=field,
    )
    client.force_login(personas.staff)
    url = _bulk_url("review-return", [submitted, other])

    missing = client.post(url, {"reason": ""})
    assert missing.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == ListingStatus.SUBMITTED

    client.post(url, {"reason": "材料不全"})
    for listing in (submitted, other):
        listing.refresh_from_db()
        assert listing.status == ListingStatus.RETURNED
        assert listing.status_reason == "材料不全"


def test_bulk_select_all_takes_the_filtered_queue(client, personas, submitted, field):
    company_listing = factories.achievement(
        factories.organisation(kind="enterprise"),
        status=ListingStatus.SUBMITTED,
        submitted_at=timezone.now(),
        tech_field=field,
    )
    client.force_login(personas.staff)
    url = reverse("wagtail_bulk_action", args=["marketplace", "achievement", "review-approve"])
    client.post(url + "?id=all&organisation_kind=enterprise")

    company_listing.refresh_from_db()
    submitted.refresh_from_db()
    assert company_listing.status == ListingStatus.PUBLISHED
    assert submitted.status == ListingStatus.SUBMITTED


def test_bulk_approve_of_needs(client, personas, submitted_need):
    client.force_login(personas.staff)
    client.post(_bulk_url("review-approve", [submitted_need], model="need"))
    submitted_need.refresh_from_db()
    assert submitted_need.status == ListingStatus.PUBLISHED


# --- revisions ---------------------------------------------------------------------------
def test_staff_see_the_pending_revision_with_a_diff(client, personas, published, field):
    other_field = TechField.objects.filter(parent=None).exclude(pk=field.pk).first()
    revision = listing_update(
        listing=published,
        by=personas.owner,
        data={"title": "新标题", "tech_field": other_field, "summary": published.summary},
    )
    client.force_login(personas.staff)
    index = client.get(reverse("review_revisions:index")).content.decode()
    assert "旧标题" in index

    response = client.get(reverse("review_revisions:review", args=[revision.pk]))
    page = response.content.decode()
    assert "旧标题" in page and "新标题" in page
    # Code-list ids are shown by their names, current and proposed.
    assert field.name in page and other_field.name in page
    assert f"tech_field: {other_field.pk}" not in page
    changed = [row.name for row in response.context["diff"] if row.changed]
    assert changed == ["title", "tech_field"]


def test_the_revision_queue_filters_by_organisation_kind(client, personas, revision, field):
    company = factories.organisation(kind="enterprise")
    need = factories.need(
        company, published_at=timezone.now(), title="企业已发布的需求", tech_field=field
    )
    member = factories.member(company, role="enterprise_member")
    listing_update(listing=need, by=member, data={"title": "企业修改后的需求"})
    client.force_login(personas.staff)
    url = reverse("review_revisions:index")

    both = client.get(url).content.decode()
    assert "旧标题" in both and "企业已发布的需求" in both
    enterprises = client.get(url, {"organisation_kind": "enterprise"}).content.decode()
    assert "企业已发布的需求" in enterprises and "旧标题" not in enterprises
    needs = client.get(url, {"listing_type": "need"}).content.decode()
    assert "企业已发布的需求" in needs and "旧标题" not in needs


def test_approving_a_revision_applies_the_change(client, personas, revision, published):
    client.force_login(personas.staff)
    response = client.post(reverse("review_revisions:approve", args=[revision.pk]))
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.title == "新标题"
    assert published.status == ListingStatus.PUBLISHED
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.APPROVED
    assert _events(published, "revision_approve").exists()


def test_returning_a_revision_keeps_the_published_title(client, personas, revision, published):
    client.force_login(personas.staff)
    response = client.post(
        reverse("review_revisions:return", args=[revision.pk]), {"reason": "标题不准确"}
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.title == "旧标题"
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.RETURNED
    assert revision.reason == "标题不准确"


def test_a_revision_is_decided_only_once(client, personas, revision, published):
    client.force_login(personas.staff)
    client.post(reverse("review_revisions:approve", args=[revision.pk]))
    again = client.post(reverse("review_revisions:return", args=[revision.pk]), {"reason": "晚了"})
    assert again.status_code == 302
    assert any("已处理" in m for m in _messages(again))
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.APPROVED


# --- who may use the screens -------------------------------------------------------------
def _wagtail_editor():
    """A signed-in Wagtail user who is not bureau staff (say, a CMS editor)."""
    editor = factories.user(is_staff=True)
    editor.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return editor


def _person(personas, who):
    if who == "anonymous":
        return None
    if who == "editor":
        return _wagtail_editor()
    return getattr(personas, who)


def _review_urls(submitted, revision):
    return {
        "achievements": reverse("review_achievements:index"),
        "needs": reverse("review_needs:index"),
        "revisions": reverse("review_revisions:index"),
        "review": reverse("review_achievements:review", args=[submitted.pk]),
        "approve": reverse("review_achievements:approve", args=[submitted.pk]),
        "return": reverse("review_achievements:return", args=[submitted.pk]),
        "revision": reverse("review_revisions:review", args=[revision.pk]),
        "revision_approve": reverse("review_revisions:approve", args=[revision.pk]),
        "revision_return": reverse("review_revisions:return", args=[revision.pk]),
        "bulk_approve": _bulk_url("review-approve", [submitted]),
        "bulk_return": _bulk_url("review-return", [submitted]),
    }


def _refused(response, who) -> bool:
    if who in ("owner", "colleague", "outsider", "anonymous"):
        # No admin access at all: Wagtail sends them to its login page.
        return response.status_code == 302 and "/login/" in response["Location"]
    return response.status_code in (403, 404)


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider", "anonymous", "editor", "staff"])
def test_only_bureau_staff_open_the_review_screens(client, personas, submitted, revision, who):
    _login(client, _person(personas, who))
    for name, url in _review_urls(submitted, revision).items():
        response = client.get(url)
        if who == "staff":
            assert response.status_code == 200, name
        else:
            assert _refused(response, who), (name, response.status_code)
            assert "待审的固态电池成果" not in response.content.decode(), name


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider", "anonymous", "editor"])
def test_nobody_but_bureau_staff_can_decide(client, personas, submitted, revision, who):
    _login(client, _person(personas, who))
    urls = _review_urls(submitted, revision)
    for name in (
        "approve",
        "return",
        "revision_approve",
        "revision_return",
        "bulk_approve",
        "bulk_return",
    ):
        response = client.post(urls[name], {"reason": "越权退回"})
        assert _refused(response, who), (name, response.status_code)
    submitted.refresh_from_db()
    revision.refresh_from_db()
    assert submitted.status == ListingStatus.SUBMITTED
    assert revision.status == RevisionStatus.PENDING
    assert Achievement.objects.get(pk=revision.object_id).title == "旧标题"
    assert not ListingEvent.objects.filter(
        action__in=["approve", "return", "revision_approve", "revision_return"]
    ).exists()


def test_the_review_menu_is_shown_to_staff_only(client, personas):
    client.force_login(personas.staff)
    staff_home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("review_achievements:index") in staff_home
    assert reverse("codelist_cooperationmode:index") in staff_home

    other = Client()
    other.force_login(_wagtail_editor())
    editor_home = other.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("review_achievements:index") not in editor_home
    assert reverse("codelist_cooperationmode:index") not in editor_home


# --- code lists --------------------------------------------------------------------------
def _new_mode():
    return {
        "code": "joint-lab",
        "name": "共建实验室",
        "aliases": "联合实验室、共建平台",
        "sort_order": "90",
        "is_active": "on",
    }


def test_staff_add_a_cooperation_mode_and_it_is_offered(client, personas):
    client.force_login(personas.staff)
    assert client.get(reverse("codelist_cooperationmode:index")).status_code == 200
    response = client.post(reverse("codelist_cooperationmode:add"), _new_mode())
    assert response.status_code == 302
    mode = CooperationMode.objects.active().get(code="joint-lab")
    assert mode.name == "共建实验室"
    assert mode.aliases == ["联合实验室", "共建平台"]


def test_staff_deactivate_a_code_list_entry_instead_of_deleting_it(client, personas):
    mode = CooperationMode.objects.active().first()
    client.force_login(personas.staff)
    edit_url = reverse("codelist_cooperationmode:edit", args=[mode.pk])
    assert client.get(edit_url).status_code == 200
    response = client.post(
        edit_url,
        {
            "code": mode.code,
            "name": mode.name,
            "aliases": "、".join(mode.aliases),
            "sort_order": mode.sort_order,
        },
    )
    assert response.status_code == 302
    assert not CooperationMode.objects.active().filter(pk=mode.pk).exists()
    assert CooperationMode.objects.filter(pk=mode.pk).exists()

    client.post(reverse("codelist_cooperationmode:delete", args=[mode.pk]))
    assert CooperationMode.objects.filter(pk=mode.pk).exists()


@pytest.mark.parametrize("who", ["owner", "outsider", "anonymous", "editor"])
def test_others_cannot_add_code_list_entries(client, personas, who):
    _login(client, _person(personas, who))
    listing = client.get(reverse("codelist_cooperationmode:index"))
    response = client.post(reverse("codelist_cooperationmode:add"), _new_mode())
    assert _refused(listing, who) and _refused(response, who)
    assert not CooperationMode.objects.filter(code="joint-lab").exists()


@pytest.mark.parametrize(
    "name", ["techfield", "industry", "maturitystage", "cooperationmode", "iptype"]
)
def test_every_code_list_has_a_staff_screen(client, personas, name):
    client.force_login(personas.staff)
    assert client.get(reverse(f"codelist_{name}:index")).status_code == 200
    assert client.get(reverse(f"codelist_{name}:add")).status_code == 200


def test_revision_rows_are_not_listed_once_decided(client, personas, revision):
    client.force_login(personas.staff)
    client.post(reverse("review_revisions:approve", args=[revision.pk]))
    assert not ListingRevision.objects.filter(status=RevisionStatus.PENDING).exists()
    page = client.get(reverse("review_revisions:index")).content.decode()
    assert reverse("review_revisions:review", args=[revision.pk]) not in page


def test_bulk_select_all_of_a_search_with_a_control_character_still_approves(
    client, personas, submitted, field
):
    other = factories.achievement(
        personas.organisation,
        status=ListingStatus.SUBMITTED,
        submitted_at=timezone.now(),
        title="待审的注塑模具成果",
        tech_field=field,
    )
    client.force_login(personas.staff)
    url = reverse("wagtail_bulk_action", args=["marketplace", "achievement", "review-approve"])
    # PostgreSQL refuses a NUL in any text parameter; the search is read without it.
    response = client.post(url + "?id=all&q=%E5%9B%BA%E6%80%81%00")  # 固态 + NUL
    assert response.status_code == 302
    submitted.refresh_from_db()
    other.refresh_from_db()
    assert submitted.status == ListingStatus.PUBLISHED
    assert other.status == ListingStatus.SUBMITTED


def test_a_bulk_action_on_ids_no_row_could_have_finds_nothing(client, personas, submitted):
    client.force_login(personas.staff)
    url = reverse("wagtail_bulk_action", args=["marketplace", "achievement", "review-approve"])
    assert client.get(url + "?id=99999999999999999999").status_code == 404  # was a 500
    response = client.post(url + f"?id={submitted.pk}&id=99999999999999999999")
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == ListingStatus.PUBLISHED
