"""Celery tasks for the marketplace: thin, id-based, idempotent.

Each task loads what its ids name and calls a service; a repeat does no harm.

The daily expiry of needs is wired into the beat schedule in the settings, e.g.::

    from celery.schedules import crontab

    CELERY_BEAT_SCHEDULE = {
        "marketplace-expire-needs": {
            "task": "marketplace.tasks.expire_needs",
            "schedule": crontab(hour=0, minute=30),
        },
    }
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from marketplace.models import ListingImage
from marketplace.services import files, listings


@shared_task(
    bind=True,
    # Storage and database hiccups are worth another try; a bad image is not
    # (the service logs and skips it instead of raising).
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def make_thumbnail(self, image_id: int) -> bool:
    """Make the thumbnail of one listing image; a no-op when it exists or the image is gone."""
    image = ListingImage.objects.filter(pk=image_id).first()
    if image is None or image.thumbnail:
        return False
    return files.image_make_thumbnail(image=image)


@shared_task(
    bind=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=3,
)
def expire_needs(self) -> int:
    """Archive published needs whose validity has ended; returns how many there were."""
    return listings.needs_expire()
