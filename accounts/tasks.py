"""Celery tasks of accounts: thin, id-based, idempotent (each e-mail is sent at most once)."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.db import DatabaseError

from accounts import services

RETRY = {
    "autoretry_for": (DatabaseError, SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


@shared_task(**RETRY)
def email_membership_request_to_admins(request_id: int) -> int:
    """Someone asks to join: tell the organisation's admins."""
    return services.membership_request_email_admins(request_id=request_id)


@shared_task(**RETRY)
def email_membership_decision(request_id: int) -> bool:
    """A request was approved or refused: tell the person who asked."""
    return services.membership_request_email_decision(request_id=request_id)
