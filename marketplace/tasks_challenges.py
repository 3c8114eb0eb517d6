"""Celery tasks of challenges: thin, idempotent; beat runs them (config/settings/base.py)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from marketplace.services import challenge_schedule


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=3,
)
def advance_challenges(self) -> dict[str, int]:
    """Close challenges at their deadlines and award them when publicity ends."""
    return challenge_schedule.challenges_advance()


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=3,
)
def remind_challenge_deadlines(self) -> int:
    """The one "deadline approaching" notice per challenge, three days before it."""
    return challenge_schedule.challenges_remind_deadlines()
