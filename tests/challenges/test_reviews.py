"""The expert review (spec §4): assignment by the bureau, declared conflicts, blind scoring of
every criterion 0–100, and the result the bureau sees (incomplete reviews and ties shown)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from lib.errors import DomainError, NotAllowed
from marketplace import selectors_challenges as sel
from marketplace.models import ChallengeStatus, ExpertAssignment, ExpertScore
from marketplace.services import challenge_reviews as reviews
from tests import factories
from tests.challenges.helpers import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return World()


def test_staff_assign_an_expert_who_then_sees_the_task(world):
    challenge = world.published()
    reviews.expert_assign(challenge=challenge, expert=world.expert, by=world.staff)
    assert list(sel.assignments_of_expert(world.expert).values_list("challenge", flat=True)) == [
        challenge.pk
    ]


def test_only_people_with_the_expert_role_can_be_assigned(world):
    with pytest.raises(DomainError, match="不是评审专家"):
        reviews.expert_assign(challenge=world.published(), expert=world.researcher, by=world.staff)


def test_a_member_of_the_issuer_cannot_review_its_challenge(world):
    dual = factories.member(world.issuer_org, Role.EXPERT)
    with pytest.raises(DomainError, match="发榜单位的成员"):
        reviews.expert_assign(challenge=world.published(), expert=dual, by=world.staff)


def test_only_staff_assign_experts(world):
    with pytest.raises(NotAllowed):
        reviews.expert_assign(challenge=world.published(), expert=world.expert, by=world.issuer)


def test_an_expert_is_assigned_once(world):
    challenge = world.published()
    reviews.expert_assign(challenge=challenge, expert=world.expert, by=world.staff)
    with pytest.raises(DomainError, match="已被指派"):
        reviews.expert_assign(challenge=challenge, expert=world.expert, by=world.staff)


def test_experts_cannot_be_assigned_to_a_draft(world):
    with pytest.raises(DomainError):
        reviews.expert_assign(challenge=world.draft(), expert=world.expert, by=world.staff)


def test_an_expert_who_has_scored_cannot_be_unassigned(world):
    challenge, first, _second = world.scored()
    assignment = challenge.assignments.get(expert=world.experts[0])
    with pytest.raises(DomainError, match="已开始评分"):
        reviews.expert_unassign(assignment=assignment, by=world.staff)
    assert ExpertAssignment.objects.filter(pk=assignment.pk).exists()


def test_an_expert_scores_every_criterion_during_evaluation(world):
    challenge = world.evaluation()
    application = challenge.applications.first()
    world.score(challenge, world.expert, application, (90, 80, 70))
    assert ExpertScore.objects.filter(application=application).count() == 3


def test_scoring_before_the_evaluation_is_refused(world):
    challenge = world.closed()
    with pytest.raises(DomainError):
        world.score(challenge, world.expert, challenge.applications.first(), (90, 80, 70))


def test_a_score_outside_0_to_100_is_refused(world):
    challenge = world.evaluation()
    with pytest.raises(DomainError, match="0–100"):
        world.score(challenge, world.expert, challenge.applications.first(), (101, 80, 70))
    assert not ExpertScore.objects.exists()


def test_a_review_missing_a_criterion_is_refused_and_names_it(world):
    challenge = world.evaluation()
    assignment = challenge.assignments.get(expert=world.expert)
    first_criterion = challenge.criteria.first()
    with pytest.raises(DomainError, match="团队能力"):
        reviews.scores_submit(
            assignment=assignment,
            application=challenge.applications.first(),
            by=world.expert,
            scores={first_criterion.pk: 90},
        )


def test_an_expert_cannot_score_on_anothers_assignment(world):
    challenge = world.evaluation()
    assignment = challenge.assignments.get(expert=world.experts[1])
    criteria = list(challenge.criteria.all())
    with pytest.raises(NotAllowed):
        reviews.scores_submit(
            assignment=assignment,
            application=challenge.applications.first(),
            by=world.experts[0],
            scores={c.pk: 50 for c in criteria},
        )


def test_a_conflicted_expert_cannot_score_that_application_and_earlier_scores_are_removed(world):
    challenge = world.evaluation()
    first, second = challenge.applications.order_by("id")
    world.score(challenge, world.expert, first, (90, 90, 90))
    assignment = challenge.assignments.get(expert=world.expert)
    reviews.conflict_declare(
        assignment=assignment, application=first, by=world.expert, reason="与申请单位有合作"
    )
    assert not ExpertScore.objects.filter(assignment=assignment, application=first).exists()
    with pytest.raises(NotAllowed, match="利益冲突"):
        world.score(challenge, world.expert, first, (10, 10, 10))
    world.score(challenge, world.expert, second, (70, 70, 70))  # the other one is fine
    results = {row.application.pk: row.result for row in sel.review_results(challenge)}
    assert results[first.pk].conflicted == 1 and results[first.pk].complete == 0


def test_a_conflict_needs_a_reason_and_is_declared_once(world):
    challenge = world.evaluation()
    application = challenge.applications.first()
    assignment = challenge.assignments.get(expert=world.expert)
    with pytest.raises(DomainError):
        reviews.conflict_declare(
            assignment=assignment, application=application, by=world.expert, reason=""
        )
    reviews.conflict_declare(
        assignment=assignment, application=application, by=world.expert, reason="同一单位"
    )
    with pytest.raises(DomainError, match="已声明"):
        reviews.conflict_declare(
            assignment=assignment, application=application, by=world.expert, reason="同一单位"
        )


def test_results_follow_the_rule_with_trimming_from_five_experts(world):
    challenge = world.evaluation(experts=5)
    first, second = challenge.applications.order_by("id")
    for expert, value in zip(world.experts[:5], (100, 80, 80, 80, 0), strict=True):
        world.score(challenge, expert, first, (value, value, value))
    for expert in world.experts[:4]:
        world.score(challenge, expert, second, (70, 70, 70))
    rows = sel.review_results(challenge)
    assert [row.application for row in rows] == [first, second]
    assert (rows[0].result.score, rows[0].result.trimmed) == (Decimal("80.00"), True)
    # The second lacks one expert's review: shown as pending, not hidden, and not trimmed.
    assert (rows[1].result.score, rows[1].result.pending, rows[1].result.trimmed) == (
        Decimal("70.00"),
        1,
        False,
    )


def test_a_tie_is_shown_to_staff(world, client):
    challenge = world.evaluation()
    first, second = challenge.applications.order_by("id")
    for expert in world.experts[:2]:
        world.score(challenge, expert, first, (80, 80, 80))
        world.score(challenge, expert, second, (80, 80, 80))
    client.force_login(world.staff)
    page = client.get(reverse("marketplace:challenge_manage", args=[challenge.pk])).content.decode()
    assert "并列" in page and "存在得分相同的申请" in page


def test_an_incomplete_review_is_shown_to_staff(world, client):
    challenge = world.evaluation()
    first, _second = challenge.applications.order_by("id")
    world.score(challenge, world.experts[0], first, (80, 80, 80))
    client.force_login(world.staff)
    page = client.get(reverse("marketplace:challenge_manage", args=[challenge.pk])).content.decode()
    assert "评审未完成" in page and "部分评审尚未完成" in page


def test_an_expert_sees_only_their_own_scores(world, client):
    challenge = world.evaluation()
    first, _second = challenge.applications.order_by("id")
    world.score(challenge, world.experts[0], first, (91, 92, 93))
    world.score(challenge, world.experts[1], first, (41, 42, 43))
    client.force_login(world.experts[1])
    page = client.get(reverse("marketplace:challenge_review", args=[challenge.pk])).content.decode()
    assert 'value="41"' in page
    assert 'value="91"' not in page and "91.9" not in page
    assert "91" not in page.split("我的加权总分")[1][:30]


def test_an_expert_not_assigned_cannot_open_the_review_page(world, client):
    challenge = world.evaluation()
    client.force_login(world.experts[5])
    assert (
        client.get(reverse("marketplace:challenge_review", args=[challenge.pk])).status_code == 404
    )


def test_the_issuer_does_not_see_scores_before_the_result(world, client):
    challenge, _first, _second = world.scored()
    client.force_login(world.issuer)
    page = client.get(challenge.get_absolute_url()).content.decode()
    assert "83.00" not in page
    assert (
        client.get(reverse("marketplace:challenge_manage", args=[challenge.pk])).status_code == 403
    )


def test_an_expert_scores_through_the_page(world, client):
    challenge = world.evaluation()
    application = challenge.applications.order_by("id").first()
    criteria = list(challenge.criteria.all())
    client.force_login(world.expert)
    url = reverse("marketplace:challenge_score", args=[challenge.pk, application.pk])
    bad = client.post(url, {f"a{application.pk}-criterion_{c.pk}": "150" for c in criteria})
    assert bad.status_code == 400 and not ExpertScore.objects.exists()
    good = client.post(url, {f"a{application.pk}-criterion_{c.pk}": "75" for c in criteria})
    assert good.status_code == 302
    assert ExpertScore.objects.filter(assignment__expert=world.expert).count() == len(criteria)


def test_the_winners_are_published_as_the_publicity_list(world, client):
    challenge, first, second = world.publicised()
    assert challenge.status == ChallengeStatus.PUBLICISED
    page = client.get(challenge.get_absolute_url()).content.decode()
    assert "揭榜结果公示" in page and first.organisation.name in page and "83.00" in page
    assert second.organisation.name not in page  # only the winners are publicised
