"""Celery tasks of deals: thin, id-based, idempotent (a notice is e-mailed at most once)."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Notification

logger = logging.getLogger(__name__)


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError, SMTPException, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def email_notifications(self, notification_ids: list[int]) -> int:
    """E-mail the notices not e-mailed yet; returns how many were sent."""
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            notice = (
                Notification.objects.select_for_update()
                .select_related("recipient")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if notice is None or not notice.recipient.email or not notice.recipient.is_active:
                continue
            link = f"{settings.SITE_URL}{notice.url}" if notice.url else settings.SITE_URL
            send_mail(
                subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notice.verb}",
                message=_("%(verb)s\n\n查看详情：%(link)s") % {"verb": notice.verb, "link": link},
                from_email=None,
                recipient_list=[notice.recipient.email],
            )
            notice.emailed_at = timezone.now()
            notice.save(update_fields=["emailed_at"])
            sent += 1
    return sent
