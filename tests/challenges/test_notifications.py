"""Notices of spec §4 (in-site and e-mail through Celery) and the beat tasks that move
challenges at their deadlines and at the end of publicity."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from marketplace.models import ChallengeStatus, Notification, TechContract
from marketplace.services import challenge_reviews as reviews
from marketplace.services import challenge_schedule as schedule
from marketplace.services import challenges as services
from marketplace.tasks_challenges import advance_challenges, remind_challenge_deadlines
from tests.challenges.helpers import DAY, World, status_of

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def world():
    return World()


def notices(person) -> list[str]:
    return list(Notification.objects.filter(recipient=person).values_list("verb", flat=True))


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the e-mail task) of what the block does."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_publishing_tells_the_issuer_in_site_and_by_email(world, commit):
    challenge = world.under_review()
    mail.outbox.clear()
    commit(services.challenge_approve, challenge=challenge, by=world.staff)
    assert any("已审核通过并发榜" in v for v in notices(world.issuer))
    assert any("已审核通过并发榜" in v for v in notices(world.issuer_colleague))
    assert notices(world.staff) == []
    recipients = {m.to[0] for m in mail.outbox}
    assert {world.issuer.email, world.issuer_colleague.email} <= recipients
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_being_assigned_tells_the_expert(world, commit):
    challenge = world.published()
    mail.outbox.clear()
    commit(reviews.expert_assign, challenge=challenge, expert=world.expert, by=world.staff)
    assert any("邀请评审" in v for v in notices(world.expert))
    assert [m.to for m in mail.outbox] == [[world.expert.email]]
    notice = Notification.objects.get(recipient=world.expert)
    assert notice.url.endswith(f"/challenges/{challenge.pk}/review/")


def test_closing_tells_the_issuer_the_applicants_and_the_experts(world):
    world.closed()
    for person in (world.issuer, world.researcher, world.researcher2, world.experts[0]):
        assert any("已截止申报" in v for v in notices(person)), person
    assert not any("已截止申报" in v for v in notices(world.outsider))


def test_the_result_tells_the_applicants_and_the_issuer(world):
    world.publicised()
    for person in (world.issuer, world.researcher, world.researcher2):
        assert any("评审结果公示中" in v for v in notices(person))


def test_the_award_tells_the_winner_and_the_issuer(world):
    world.awarded()
    assert any("揭榜成功" in v for v in notices(world.researcher))
    assert any("揭榜成功" in v for v in notices(world.issuer))
    assert not any("揭榜成功" in v for v in notices(world.researcher2))


# --- the beat tasks ----------------------------------------------------------------------------
def test_the_deadline_reminder_goes_out_once_three_days_before(world, commit):
    challenge = world.published(application_deadline=timezone.now() + 2 * DAY)
    world.apply(challenge)
    far = world.published(title="远期榜单", application_deadline=timezone.now() + 20 * DAY)
    mail.outbox.clear()
    assert commit(remind_challenge_deadlines.delay).get() == 1
    assert commit(remind_challenge_deadlines.delay).get() == 0
    reminders = Notification.objects.filter(verb__contains="截止申报", verb__startswith="榜单")
    assert sorted(reminders.values_list("recipient", flat=True)) == sorted(
        [world.issuer.pk, world.issuer_colleague.pk, world.researcher.pk]
    )
    assert all(challenge.title in v for v in reminders.values_list("verb", flat=True))
    assert far.title not in " ".join(reminders.values_list("verb", flat=True))
    assert len(mail.outbox) == 3


def test_the_beat_task_closes_challenges_whose_deadline_passed(world):
    due = world.published(application_deadline=timezone.now() + dt.timedelta(minutes=5))
    later = world.published(title="还没到期", application_deadline=timezone.now() + 5 * DAY)
    moved = schedule.challenges_advance(now=timezone.now() + dt.timedelta(minutes=6))
    assert moved == {"closed": 1, "awarded": 0}
    assert status_of(due) == ChallengeStatus.CLOSED
    assert status_of(later) == ChallengeStatus.PUBLISHED
    assert schedule.challenges_advance(now=timezone.now() + dt.timedelta(minutes=6)) == {
        "closed": 0,
        "awarded": 0,
    }


def test_the_beat_task_awards_when_publicity_ends_and_creates_the_contract(world):
    challenge, _first, _second = world.publicised()
    assert schedule.challenges_advance(now=challenge.publicity_ends_at - DAY)["awarded"] == 0
    assert status_of(challenge) == ChallengeStatus.PUBLICISED
    assert schedule.challenges_advance(now=challenge.publicity_ends_at)["awarded"] == 1
    assert status_of(challenge) == ChallengeStatus.AWARDED
    assert TechContract.objects.filter(challenge=challenge).count() == 1
    event = challenge.events.get(action="award")
    assert event.actor is None


def test_the_celery_task_runs_the_schedule_now(world):
    challenge = world.published()
    challenge.application_deadline = timezone.now() - dt.timedelta(minutes=1)
    challenge.save(update_fields=["application_deadline"])
    assert advance_challenges.delay().get() == {"closed": 1, "awarded": 0}
    assert status_of(challenge) == ChallengeStatus.CLOSED


def test_the_beat_schedule_runs_both_tasks(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "marketplace.tasks_challenges.advance_challenges",
        "marketplace.tasks_challenges.remind_challenge_deadlines",
    } <= tasks
