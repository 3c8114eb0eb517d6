"""seed_demo adds challenges in different stages, made from real needs of the demo corpus
by the demo enterprises, answered by the demo universities and scored by expert@demo.local."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accounts.models import User
from config.celery import app as celery_app
from marketplace import demo
from marketplace.models import Challenge, ChallengeStatus, ExpertScore, TechContract

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction rolled back afterwards (as test_seed_demo)."""
    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        search_settings = override_settings(SEARCH_BACKEND="database")
        search_settings.enable()
        try:
            call_command("seed_demo", stdout=open("/dev/null", "w"))
            yield
        finally:
            search_settings.disable()
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def test_seed_demo_adds_challenges_in_every_stage_people_look_at(seeded):
    statuses = set(Challenge.objects.values_list("status", flat=True))
    assert {
        ChallengeStatus.DRAFT,
        ChallengeStatus.UNDER_REVIEW,
        ChallengeStatus.PUBLISHED,
        ChallengeStatus.EVALUATION,
        ChallengeStatus.PUBLICISED,
        ChallengeStatus.AWARDED,
    } <= statuses


def test_each_demo_challenge_comes_from_a_real_need_of_its_issuer(seeded):
    issuers = {
        User.objects.get(email=e).memberships.get().organisation_id
        for e in ("enterprise@demo.local", "enterprise2@demo.local")
    }
    for challenge in Challenge.objects.select_related("source_need"):
        need = challenge.source_need
        assert need is not None and need.source_id.startswith("need-")
        assert challenge.title == need.title and challenge.background == need.description
        assert challenge.organisation_id == need.organisation_id
        assert challenge.organisation_id in issuers
        assert challenge.kpis.filter(target_value__isnull=False).exists()


def test_applications_come_from_the_demo_universities_and_scores_from_the_demo_expert(seeded):
    researchers = {
        User.objects.get(email=e).memberships.get().organisation_id
        for e in ("researcher@demo.local", "researcher2@demo.local")
    }
    applicants = set(
        Challenge.objects.filter(status=ChallengeStatus.PUBLICISED).values_list(
            "applications__organisation", flat=True
        )
    )
    assert applicants == researchers
    experts = set(ExpertScore.objects.values_list("assignment__expert__email", flat=True))
    assert experts == {"expert@demo.local"}


def test_the_awarded_demo_challenge_has_its_contract_draft(seeded):
    awarded = Challenge.objects.get(status=ChallengeStatus.AWARDED)
    contract = TechContract.objects.get(challenge=awarded)
    assert contract.contract_amount == awarded.bounty_total
    assert contract.buyer_name == awarded.organisation.name


def test_seeding_again_adds_no_challenge(seeded):
    before = Challenge.objects.count()
    result = demo.seed()
    assert result["loaded"]["challenges"] == 0
    assert Challenge.objects.count() == before
