"""The challenge state machine of spec §4: every transition allowed and refused, the quality
checklist, the deadline enforced on the server, cancellation before the award."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from lib.errors import DomainError, NotAllowed
from marketplace.models import Challenge, ChallengeEvent, ChallengeStatus
from marketplace.services import challenge_awards as awards
from marketplace.services import challenge_reviews as reviews
from marketplace.services import challenges as services
from tests import factories
from tests.challenges.helpers import CRITERIA, DAY, KPIS, World, challenge_data, status_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def last_event(challenge) -> ChallengeEvent:
    return ChallengeEvent.objects.filter(challenge=challenge).order_by("-id").first()


# --- writing a challenge ----------------------------------------------------------------------
def test_an_enterprise_member_creates_a_draft_with_kpis_and_criteria(world):
    challenge = world.draft()
    assert challenge.status == ChallengeStatus.DRAFT
    assert challenge.bounty_total == Decimal("1000000.00")
    assert [k.indicator for k in challenge.kpis.all()] == ["翘曲检测精度", "良品率"]
    assert sum(c.weight for c in challenge.criteria.all()) == 100
    assert challenge.issued_by_bureau is False
    assert last_event(challenge).action == "create"


def test_bureau_staff_issue_a_challenge_on_an_enterprises_behalf_and_it_is_recorded(world):
    challenge = services.challenge_create(
        organisation=world.issuer_org,
        by=world.staff,
        data=challenge_data(),
        kpis=KPIS,
        criteria=CRITERIA,
    )
    assert challenge.issued_by_bureau is True and challenge.created_by == world.staff
    assert world.issuer_org.name in last_event(challenge).reason


def test_a_researcher_cannot_issue_a_challenge_for_an_enterprise(world):
    with pytest.raises(NotAllowed):
        services.challenge_create(
            organisation=world.issuer_org, by=world.researcher, data=challenge_data()
        )
    assert not Challenge.objects.exists()


def test_bureau_staff_cannot_issue_for_a_university(world):
    with pytest.raises(NotAllowed):
        services.challenge_create(
            organisation=world.team_org, by=world.staff, data=challenge_data()
        )


def test_an_execution_period_ending_before_it_starts_is_refused_with_a_clear_error(world):
    start = dt.date(2030, 5, 1)
    with pytest.raises(ValidationError) as caught:
        world.draft(execution_start=start, execution_end=start - DAY)
    assert "实施期止不能早于实施期起" in str(caught.value)


def test_only_a_draft_can_be_edited(world):
    challenge = world.draft()
    services.challenge_update(
        challenge=challenge, by=world.issuer_colleague, data={"title": "新标题"}
    )
    assert Challenge.objects.get(pk=challenge.pk).title == "新标题"
    services.challenge_submit(challenge=challenge, by=world.issuer)
    with pytest.raises(DomainError):
        services.challenge_update(challenge=challenge, by=world.issuer, data={"title": "再改"})
    assert Challenge.objects.get(pk=challenge.pk).title == "新标题"


def test_an_outsider_cannot_edit_a_draft(world):
    challenge = world.draft()
    with pytest.raises(NotAllowed):
        services.challenge_update(challenge=challenge, by=world.outsider, data={"title": "x"})


# --- draft → under review: the checklist ------------------------------------------------------
def test_submitting_moves_a_complete_draft_under_review_with_a_timeline_entry(world):
    challenge = services.challenge_submit(challenge=world.draft(), by=world.issuer)
    assert challenge.status == ChallengeStatus.UNDER_REVIEW
    event = last_event(challenge)
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "submit",
        ChallengeStatus.DRAFT,
        ChallengeStatus.UNDER_REVIEW,
        world.issuer,
    )


def test_the_checklist_reports_every_failing_item_at_once(world):
    challenge = services.challenge_create(
        organisation=world.issuer_org,
        by=world.issuer,
        data=challenge_data(
            bounty_enterprise=Decimal("0"),
            bounty_subsidy=Decimal("0"),
            application_deadline=None,
        ),
        kpis=[{"indicator": "用户满意度高", "target_value": None}],
        criteria=[{"name": "方案", "weight": 60}, {"name": "团队", "weight": 30}],
    )
    with pytest.raises(DomainError) as caught:
        services.challenge_submit(challenge=challenge, by=world.issuer)
    messages = caught.value.messages
    assert len(messages) == 4
    assert any("量化考核指标" in m for m in messages)
    assert any("榜金总额必须大于 0" in m for m in messages)
    assert any("申报截止时间" in m for m in messages)
    assert any("当前为 90" in m for m in messages)
    assert status_of(challenge) == ChallengeStatus.DRAFT


def test_a_deadline_in_the_past_fails_the_checklist(world):
    challenge = world.draft(application_deadline=timezone.now() - DAY)
    with pytest.raises(DomainError, match="申报截止时间必须晚于当前时间"):
        services.challenge_submit(challenge=challenge, by=world.issuer)


def test_a_challenge_without_criteria_fails_the_checklist(world):
    challenge = services.challenge_create(
        organisation=world.issuer_org, by=world.issuer, data=challenge_data(), kpis=KPIS
    )
    with pytest.raises(DomainError, match="请填写评审指标及权重"):
        services.challenge_submit(challenge=challenge, by=world.issuer)


def test_submitting_twice_is_refused(world):
    challenge = world.under_review()
    with pytest.raises(DomainError):
        services.challenge_submit(challenge=challenge, by=world.issuer)


def test_an_outsider_cannot_submit(world):
    with pytest.raises(NotAllowed):
        services.challenge_submit(challenge=world.draft(), by=world.outsider)


# --- review by the bureau ---------------------------------------------------------------------
def test_staff_approval_publishes_the_challenge(world):
    challenge = services.challenge_approve(challenge=world.under_review(), by=world.staff)
    assert challenge.status == ChallengeStatus.PUBLISHED and challenge.published_at is not None
    assert last_event(challenge).action == "approve"


def test_only_staff_approve(world):
    challenge = world.under_review()
    for person in (world.issuer, world.researcher, world.expert):
        with pytest.raises(NotAllowed):
            services.challenge_approve(challenge=challenge, by=person)
    assert status_of(challenge) == ChallengeStatus.UNDER_REVIEW


def test_a_draft_cannot_be_approved(world):
    with pytest.raises(DomainError):
        services.challenge_approve(challenge=world.draft(), by=world.staff)


def test_approval_rechecks_the_deadline_that_passed_while_waiting(world):
    challenge = world.under_review()
    later = challenge.application_deadline + DAY
    with pytest.raises(DomainError, match="申报截止时间必须晚于当前时间"):
        services.challenge_approve(challenge=challenge, by=world.staff, now=later)
    assert status_of(challenge) == ChallengeStatus.UNDER_REVIEW


def test_an_unverified_issuer_cannot_be_published(world):
    org = factories.organisation(kind="enterprise", verified=False)
    member = factories.member(org, "enterprise_member")
    challenge = services.challenge_create(
        organisation=org, by=member, data=challenge_data(), kpis=KPIS, criteria=CRITERIA
    )
    services.challenge_submit(challenge=challenge, by=member)
    with pytest.raises(DomainError, match="尚未通过认证"):
        services.challenge_approve(challenge=challenge, by=world.staff)


def test_staff_return_a_challenge_to_draft_with_a_reason_the_issuer_sees(world):
    challenge = services.challenge_return(
        challenge=world.under_review(), by=world.staff, reason="榜金构成请补充说明"
    )
    assert challenge.status == ChallengeStatus.DRAFT
    assert challenge.status_reason == "榜金构成请补充说明"
    assert last_event(challenge).reason == "榜金构成请补充说明"
    services.challenge_update(challenge=challenge, by=world.issuer, data={"deliverables": "补充"})
    assert services.challenge_submit(challenge=challenge, by=world.issuer).status_reason == ""


def test_returning_needs_a_reason(world):
    challenge = world.under_review()
    with pytest.raises(DomainError, match="退回原因"):
        services.challenge_return(challenge=challenge, by=world.staff, reason="  ")


def test_only_staff_return(world):
    with pytest.raises(NotAllowed):
        services.challenge_return(challenge=world.under_review(), by=world.issuer, reason="x")


# --- the deadline -----------------------------------------------------------------------------
def test_applications_close_at_the_deadline(world):
    challenge = world.published()
    closed = services.challenge_close(
        challenge=challenge, by=None, now=challenge.application_deadline
    )
    assert closed.status == ChallengeStatus.CLOSED
    assert last_event(closed).actor is None


def test_applications_cannot_be_closed_before_the_deadline_even_by_staff(world):
    challenge = world.published()
    with pytest.raises(DomainError, match="截止时间未到"):
        services.challenge_close(
            challenge=challenge,
            by=world.staff,
            now=challenge.application_deadline - dt.timedelta(seconds=1),
        )
    assert status_of(challenge) == ChallengeStatus.PUBLISHED


def test_the_issuer_cannot_close_applications(world):
    challenge = world.published()
    with pytest.raises(NotAllowed):
        services.challenge_close(
            challenge=challenge, by=world.issuer, now=challenge.application_deadline
        )


def test_a_draft_cannot_be_closed(world):
    with pytest.raises(DomainError):
        services.challenge_close(challenge=world.draft(), by=None, now=timezone.now() + 30 * DAY)


# --- evaluation and the result ----------------------------------------------------------------
def test_evaluation_starts_after_closing_with_applications_and_experts(world):
    challenge = reviews.evaluation_start(challenge=world.closed(), by=world.staff)
    assert challenge.status == ChallengeStatus.EVALUATION


def test_evaluation_cannot_start_before_applications_close(world):
    with pytest.raises(DomainError):
        reviews.evaluation_start(challenge=world.published(), by=world.staff)


def test_evaluation_without_any_application_is_refused(world):
    with pytest.raises(DomainError, match="没有有效的揭榜申请"):
        reviews.evaluation_start(challenge=world.closed(teams=0), by=world.staff)


def test_evaluation_without_experts_is_refused(world):
    with pytest.raises(DomainError, match="请先指派评审专家"):
        reviews.evaluation_start(challenge=world.closed(experts=0), by=world.staff)


def test_only_staff_start_the_evaluation(world):
    with pytest.raises(NotAllowed):
        reviews.evaluation_start(challenge=world.closed(), by=world.issuer)


def test_confirming_winners_publicises_the_result_for_the_configured_days(world, settings):
    challenge, first, second = world.scored()
    challenge.publicity_days = 5
    challenge.save(update_fields=["publicity_days"])
    now = timezone.now()
    challenge = reviews.winners_confirm(
        challenge=challenge, by=world.staff, winners=[first], now=now
    )
    assert challenge.status == ChallengeStatus.PUBLICISED
    assert challenge.publicity_ends_at == now + dt.timedelta(days=5)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_winner, first.final_score) == (True, Decimal("83.00"))
    assert (second.is_winner, second.final_score) == (False, Decimal("60.00"))


def test_the_publicity_days_default_comes_from_the_setting(world, settings):
    settings.CHALLENGE_PUBLICITY_DAYS = 10
    assert world.draft().publicity_days == 10


def test_a_winner_without_a_complete_review_is_refused(world):
    challenge = world.evaluation()
    first, second = challenge.applications.order_by("id")
    world.score(challenge, world.experts[0], first, (90, 80, 70))
    with pytest.raises(DomainError, match="还没有完整的专家评分"):
        reviews.winners_confirm(challenge=challenge, by=world.staff, winners=[second])
    assert status_of(challenge) == ChallengeStatus.EVALUATION


def test_winners_cannot_be_confirmed_outside_evaluation(world):
    challenge = world.closed()
    application = challenge.applications.first()
    with pytest.raises(DomainError):
        reviews.winners_confirm(challenge=challenge, by=world.staff, winners=[application])


def test_only_staff_confirm_winners(world):
    challenge, first, _second = world.scored()
    with pytest.raises(NotAllowed):
        reviews.winners_confirm(challenge=challenge, by=world.issuer, winners=[first])


def test_an_upheld_objection_reopens_the_evaluation_and_clears_the_winners(world):
    challenge, first, _second = world.publicised()
    challenge = reviews.evaluation_reopen(
        challenge=challenge, by=world.staff, reason="收到实名异议"
    )
    assert challenge.status == ChallengeStatus.EVALUATION
    first.refresh_from_db()
    assert first.is_winner is False and first.final_score is None
    assert last_event(challenge).reason == "收到实名异议"


# --- award, execution, acceptance -------------------------------------------------------------
def test_the_award_waits_for_the_end_of_publicity(world):
    challenge, _first, _second = world.publicised()
    with pytest.raises(DomainError, match="公示期满后"):
        awards.challenge_award(
            challenge=challenge,
            by=world.staff,
            now=challenge.publicity_ends_at - dt.timedelta(minutes=1),
        )
    assert status_of(challenge) == ChallengeStatus.PUBLICISED


def test_staff_award_after_publicity(world):
    challenge, first, contracts = world.awarded()
    assert challenge.status == ChallengeStatus.AWARDED and len(contracts) == 1
    assert last_event(challenge).action == "award"
    assert first.organisation.name in last_event(challenge).reason


def test_the_issuer_cannot_award(world):
    challenge, _first, _second = world.publicised()
    with pytest.raises(NotAllowed):
        awards.challenge_award(
            challenge=challenge, by=world.issuer, now=challenge.publicity_ends_at
        )


def test_execution_needs_at_least_one_milestone(world):
    challenge, _first, _contracts = world.awarded()
    with pytest.raises(DomainError, match="攻关节点"):
        awards.execution_start(challenge=challenge, by=world.issuer)
    assert status_of(challenge) == ChallengeStatus.AWARDED


def test_the_winner_reports_milestones_and_staff_accept(world):
    challenge, first = world.in_execution()
    assert challenge.status == ChallengeStatus.IN_EXECUTION
    milestone = challenge.milestones.get()
    with pytest.raises(DomainError, match="尚未完成"):
        awards.challenge_accept(challenge=challenge, by=world.staff)
    with pytest.raises(NotAllowed):
        awards.milestone_complete(
            milestone=milestone, by=world.researcher2, evidence="不是我们做的"
        )
    awards.milestone_complete(
        milestone=milestone, by=world.researcher_colleague, evidence="样机完成"
    )
    with pytest.raises(NotAllowed):
        awards.challenge_accept(challenge=challenge, by=world.issuer)
    accepted = awards.challenge_accept(challenge=challenge, by=world.staff, reason="指标全部达到")
    assert accepted.status == ChallengeStatus.ACCEPTED and accepted.finished_at is not None


def test_staff_record_a_failed_execution_with_a_reason(world):
    challenge, _first = world.in_execution()
    with pytest.raises(DomainError):
        awards.challenge_fail(challenge=challenge, by=world.staff, reason="")
    failed = awards.challenge_fail(challenge=challenge, by=world.staff, reason="良品率未达到 99.5%")
    assert failed.status == ChallengeStatus.FAILED
    assert failed.status_reason == "良品率未达到 99.5%"


def test_acceptance_is_refused_before_execution(world):
    challenge, _first, _contracts = world.awarded()
    with pytest.raises(DomainError):
        awards.challenge_accept(challenge=challenge, by=world.staff)
    with pytest.raises(DomainError):
        awards.challenge_fail(challenge=challenge, by=world.staff, reason="x")


# --- cancellation -----------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["draft", "under_review", "published"])
def test_the_issuer_cancels_with_a_reason_until_applications_close(world, state):
    challenge = getattr(world, state)()
    cancelled = services.challenge_cancel(challenge=challenge, by=world.issuer, reason="需求已变化")
    assert cancelled.status == ChallengeStatus.CANCELLED
    event = last_event(cancelled)
    assert (event.from_status, event.reason) == (state, "需求已变化")


def test_after_closing_only_staff_cancel(world):
    challenge = world.closed()
    with pytest.raises(NotAllowed):
        services.challenge_cancel(challenge=challenge, by=world.issuer, reason="不想要了")
    assert services.challenge_cancel(challenge=challenge, by=world.staff, reason="流榜").status == (
        ChallengeStatus.CANCELLED
    )


def test_staff_cancel_during_publicity_and_the_winners_are_cleared(world):
    challenge, first, _second = world.publicised()
    services.challenge_cancel(challenge=challenge, by=world.staff, reason="发榜单位破产")
    first.refresh_from_db()
    assert first.is_winner is False


def test_cancelling_needs_a_reason(world):
    with pytest.raises(DomainError, match="撤榜原因"):
        services.challenge_cancel(challenge=world.published(), by=world.issuer, reason="")


def test_an_awarded_challenge_cannot_be_cancelled(world):
    challenge, _first, _contracts = world.awarded()
    with pytest.raises(DomainError):
        services.challenge_cancel(challenge=challenge, by=world.staff, reason="太晚了")
    assert status_of(challenge) == ChallengeStatus.AWARDED


def test_an_outsider_cannot_cancel(world):
    with pytest.raises(NotAllowed):
        services.challenge_cancel(challenge=world.published(), by=world.outsider, reason="捣乱")


def test_a_cancelled_challenge_cannot_be_cancelled_again(world):
    challenge = world.published()
    services.challenge_cancel(challenge=challenge, by=world.staff, reason="一")
    with pytest.raises(DomainError):
        services.challenge_cancel(challenge=challenge, by=world.staff, reason="二")


def test_every_transition_leaves_one_timeline_entry(world):
    challenge, _first = world.in_execution()
    actions = list(challenge.events.values_list("action", flat=True))
    assert actions == [
        "create",
        "submit",
        "approve",
        "assign_expert",
        "assign_expert",
        "close",
        "start_evaluation",
        "publicise",
        "award",
        "start_execution",
    ]
    statuses = list(challenge.events.values_list("to_status", flat=True))
    assert statuses[-1] == ChallengeStatus.IN_EXECUTION


def test_a_person_without_an_account_is_refused_everything(world):
    anonymous = AnonymousUser()
    with pytest.raises(NotAllowed):
        services.challenge_submit(challenge=world.draft(), by=anonymous)
    with pytest.raises(NotAllowed):
        services.challenge_approve(challenge=world.under_review(), by=anonymous)
