"""Keep the search index in step with listings: enqueue ids after the commit.

A broker that is down never fails the person's save: the miss is logged and the
periodic reconcile/rebuild catches it up.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from marketplace.models import Achievement, Challenge, Need
from search.documents import document_type_for

logger = logging.getLogger(__name__)


def enqueue_index(type_name: str, ids: list[int]) -> None:
    from search.tasks import index_objects

    try:
        index_objects.delay(type_name, ids)
    except Exception:  # noqa: BLE001 — broker or backend down: log, never fail the save
        logger.exception("Could not enqueue indexing of %s %s", type_name, ids)


@receiver(post_save, sender=Achievement)
@receiver(post_save, sender=Need)
@receiver(post_save, sender=Challenge)
@receiver(post_delete, sender=Achievement)
@receiver(post_delete, sender=Need)
@receiver(post_delete, sender=Challenge)
def listing_changed(sender, instance, **kwargs) -> None:
    doc_type = document_type_for(sender)
    if doc_type is not None:
        pk = instance.pk
        transaction.on_commit(lambda: enqueue_index(doc_type.name, [pk]))
