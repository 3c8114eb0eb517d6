"""What the clock does to challenges (spec §4), run by Celery beat through thin tasks.

- A published challenge whose application deadline has passed is closed.
- A publicised challenge whose publicity period has ended is awarded.
- A published challenge three days from its deadline gets one reminder.

Each challenge is handled in its own transaction by the same service a person would
use (with ``by=None``: the system), so one bad row does not stop the others and a
repeat run finds nothing left to do.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace import selectors_challenges as sel
from marketplace.models import Challenge, ChallengeStatus
from marketplace.services import challenge_awards, challenges

logger = logging.getLogger(__name__)


def challenges_advance(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Close challenges at their deadlines and award them at the end of publicity."""
    now = now or timezone.now()
    done = {"closed": 0, "awarded": 0}
    due_to_close = Challenge.objects.filter(
        status=ChallengeStatus.PUBLISHED, application_deadline__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due_to_close):
        try:
            challenges.challenge_close(challenge=Challenge(pk=pk), by=None, now=now)
        except ValidationError:  # moved on meanwhile (cancelled, closed by staff): fine
            logger.info("Challenge %s was not closed: no longer due", pk)
        else:
            done["closed"] += 1
    due_to_award = Challenge.objects.filter(
        status=ChallengeStatus.PUBLICISED, publicity_ends_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due_to_award):
        try:
            challenge_awards.challenge_award(challenge=Challenge(pk=pk), by=None, now=now)
        except ValidationError:
            logger.exception("Challenge %s could not be awarded", pk)
        else:
            done["awarded"] += 1
    return done


def challenges_remind_deadlines(*, now: dt.datetime | None = None) -> int:
    """The "deadline approaching" notice, once per challenge, three days before it closes."""
    now = now or timezone.now()
    due = Challenge.objects.filter(
        status=ChallengeStatus.PUBLISHED,
        deadline_reminded_at__isnull=True,
        application_deadline__gt=now,
        application_deadline__lte=now + sel.DEADLINE_REMINDER,
    ).values_list("pk", flat=True)
    sent = 0
    for pk in list(due):
        if challenges.challenge_remind_deadline(challenge=Challenge(pk=pk), now=now):
            sent += 1
    return sent
