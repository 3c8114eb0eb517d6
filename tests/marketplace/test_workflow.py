"""The listing workflow (spec §3): every transition, allowed and refused, and its audit trail."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lib.errors import DomainError, NotAllowed
from marketplace.models import (
    Achievement,
    CooperationMode,
    ListingRevision,
    ListingStatus,
    RevisionStatus,
    TechField,
)
from marketplace.selectors import listing_events
from marketplace.services import listings as services
from tests import factories

pytestmark = pytest.mark.django_db

S = ListingStatus


def _create(personas, **data):
    values = {"title": "一种耐高温陶瓷涂层", "summary": "用于航空发动机叶片的隔热涂层。"}
    values.update(data)
    return services.listing_create(
        model=Achievement, organisation=personas.organisation, by=personas.owner, data=values
    )


def _events(listing):
    return [(e.action, e.from_status, e.to_status) for e in reversed(listing_events(listing))]


def test_a_researcher_creates_a_draft_and_it_is_logged(personas):
    listing = _create(personas)
    assert listing.status == S.DRAFT
    assert listing.created_by == personas.owner
    assert _events(listing) == [("create", S.DRAFT, S.DRAFT)]


def test_the_full_path_draft_submitted_published_archived(personas):
    listing = _create(personas)
    services.listing_submit(listing=listing, by=personas.colleague)
    services.listing_approve(listing=listing, by=personas.staff)
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED and listing.published_at is not None
    services.listing_archive(listing=listing, by=personas.owner, reason="已转让")
    listing.refresh_from_db()
    assert listing.status == S.ARCHIVED and listing.archived_at is not None
    assert _events(listing) == [
        ("create", S.DRAFT, S.DRAFT),
        ("submit", S.DRAFT, S.SUBMITTED),
        ("approve", S.SUBMITTED, S.PUBLISHED),
        ("archive", S.PUBLISHED, S.ARCHIVED),
    ]
    last = listing_events(listing).first()
    assert last.actor == personas.owner and last.reason == "已转让"


def test_returned_listing_carries_the_reason_and_can_be_resubmitted(personas):
    listing = _create(personas)
    services.listing_submit(listing=listing, by=personas.owner)
    with pytest.raises(DomainError):
        services.listing_return(listing=listing, by=personas.staff, reason="")
    services.listing_return(listing=listing, by=personas.staff, reason="请补充技术指标")
    listing.refresh_from_db()
    assert listing.status == S.RETURNED and listing.status_reason == "请补充技术指标"
    services.listing_update(listing=listing, by=personas.owner, data={"problem": "补充了指标"})
    services.listing_submit(listing=listing, by=personas.owner)
    services.listing_approve(listing=listing, by=personas.staff)
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED and listing.status_reason == ""


@pytest.mark.parametrize(
    "state, action",
    [
        (S.DRAFT, "approve"),
        (S.DRAFT, "return"),
        (S.SUBMITTED, "submit"),
        (S.PUBLISHED, "submit"),
        (S.PUBLISHED, "approve"),
        (S.RETURNED, "approve"),
        (S.ARCHIVED, "submit"),
        (S.ARCHIVED, "archive"),
        (S.ARCHIVED, "approve"),
    ],
)
def test_illegal_transitions_are_refused_and_change_nothing(personas, state, action):
    listing = factories.achievement(personas.organisation, status=state)
    call = {
        "submit": lambda: services.listing_submit(listing=listing, by=personas.owner),
        "approve": lambda: services.listing_approve(listing=listing, by=personas.staff),
        "return": lambda: services.listing_return(listing=listing, by=personas.staff, reason="x"),
        "archive": lambda: services.listing_archive(listing=listing, by=personas.owner),
    }[action]
    with pytest.raises(DomainError) as info:
        call()
    assert "不能" in info.value.messages[0]
    listing.refresh_from_db()
    assert listing.status == state
    assert not listing_events(listing).exists()


@pytest.mark.parametrize("who", ["outsider", "staff"])
def test_only_members_submit_or_archive(personas, who):
    listing = factories.achievement(personas.organisation, status=S.DRAFT)
    for call in (services.listing_submit, services.listing_archive):
        with pytest.raises(NotAllowed):
            call(listing=listing, by=getattr(personas, who))
    listing.refresh_from_db()
    assert listing.status == S.DRAFT


@pytest.mark.parametrize("who", ["owner", "colleague", "outsider"])
def test_only_bureau_staff_review(personas, who):
    listing = factories.achievement(personas.organisation, status=S.SUBMITTED)
    with pytest.raises(NotAllowed):
        services.listing_approve(listing=listing, by=getattr(personas, who))
    with pytest.raises(NotAllowed):
        services.listing_return(listing=listing, by=getattr(personas, who), reason="不行")
    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED


def test_an_unverified_organisations_listing_cannot_go_public(personas):
    org = factories.organisation(verified=False)
    listing = factories.achievement(org, status=S.SUBMITTED)
    with pytest.raises(DomainError, match="认证"):
        services.listing_approve(listing=listing, by=personas.staff)


def test_creating_for_an_organisation_one_does_not_belong_to_is_refused(personas):
    with pytest.raises(NotAllowed):
        services.listing_create(
            model=Achievement,
            organisation=personas.organisation,
            by=personas.outsider,
            data={"title": "冒名成果", "summary": "x"},
        )
    assert not Achievement.objects.filter(title="冒名成果").exists()


def test_editing_a_published_listing_files_a_revision_and_keeps_the_live_version(personas):
    listing = factories.achievement(personas.organisation, title="旧标题")
    field = TechField.objects.get(name="新材料及其应用")
    mode = CooperationMode.objects.get(code="transfer")
    revision = services.listing_update(
        listing=listing,
        by=personas.owner,
        data={
            "title": "新标题",
            "tech_field": field,
            "cooperation_modes": [mode],
            "price": "150000.00",
        },
    )
    assert isinstance(revision, ListingRevision)
    listing.refresh_from_db()
    assert listing.title == "旧标题" and listing.status == S.PUBLISHED

    # A second edit replaces the pending revision rather than stacking up.
    second = services.listing_update(
        listing=listing, by=personas.owner, data={"title": "更新的标题"}
    )
    revision.refresh_from_db()
    assert revision.status == RevisionStatus.WITHDRAWN
    services.revision_approve(revision=second, by=personas.staff)
    listing.refresh_from_db()
    assert listing.title == "更新的标题"

    third = services.listing_update(
        listing=listing,
        by=personas.owner,
        data={
            "title": "最终标题",
            "tech_field": field,
            "cooperation_modes": [mode],
            "price": "150000.00",
        },
    )
    services.revision_approve(revision=third, by=personas.staff)
    listing.refresh_from_db()
    assert (listing.title, listing.tech_field, str(listing.price)) == (
        "最终标题",
        field,
        "150000.00",
    )
    assert list(listing.cooperation_modes.all()) == [mode]


def test_a_returned_revision_leaves_the_listing_unchanged(personas):
    listing = factories.achievement(personas.organisation, title="原标题")
    revision = services.listing_update(
        listing=listing, by=personas.owner, data={"title": "夸大的标题"}
    )
    with pytest.raises(NotAllowed):
        services.revision_approve(revision=revision, by=personas.owner)
    services.revision_return(revision=revision, by=personas.staff, reason="标题夸大")
    listing.refresh_from_db()
    revision.refresh_from_db()
    assert listing.title == "原标题"
    assert revision.status == RevisionStatus.RETURNED and revision.reason == "标题夸大"
    with pytest.raises(DomainError):
        services.revision_approve(revision=revision, by=personas.staff)


def test_a_revision_with_invalid_values_is_refused_at_once(personas):
    listing = factories.achievement(personas.organisation)
    with pytest.raises(ValidationError):
        services.listing_update(listing=listing, by=personas.owner, data={"trl": 12})
    assert not ListingRevision.objects.exists()


def test_expired_needs_are_archived_automatically(personas):
    enterprise = factories.organisation(kind="enterprise")
    today = timezone.localdate()
    expired = factories.need(enterprise, valid_until=today - dt.timedelta(days=1))
    current = factories.need(enterprise, valid_until=today)
    open_ended = factories.need(enterprise, valid_until=None)
    draft = factories.need(enterprise, status=S.DRAFT, valid_until=today - dt.timedelta(days=9))
    assert services.needs_expire() == 1
    for need, state in [
        (expired, S.ARCHIVED),
        (current, S.PUBLISHED),
        (open_ended, S.PUBLISHED),
        (draft, S.DRAFT),
    ]:
        need.refresh_from_db()
        assert need.status == state
    event = listing_events(expired).first()
    assert event.action == "expire" and event.actor is None
    assert services.needs_expire() == 0  # idempotent


def test_the_expiry_task_runs_the_same_rule(personas):
    from marketplace.tasks import expire_needs

    enterprise = factories.organisation(kind="enterprise")
    need = factories.need(enterprise, valid_until=timezone.localdate() - dt.timedelta(days=3))
    assert expire_needs.delay().get() == 1
    need.refresh_from_db()
    assert need.status == S.ARCHIVED


def test_script_in_a_description_is_removed_but_formatting_stays(personas):
    listing = _create(
        personas,
        description='<p onclick="steal()">高<strong>导热</strong></p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">链接</a><img src=x onerror=alert(3)>',
    )
    assert "<script" not in listing.description
    assert "onclick" not in listing.description and "onerror" not in listing.description
    assert "javascript:" not in listing.description
    assert "<strong>导热</strong>" in listing.description


def test_more_than_eight_keywords_are_refused(personas):
    with pytest.raises(DomainError):
        _create(personas, keywords=[f"词{i}" for i in range(9)])
