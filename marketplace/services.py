"""Writes for listings. The listings issue adds the review workflow here."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from lib.errors import NotAllowed
from marketplace.models import Achievement
from marketplace.selectors import can_edit_listing

ACHIEVEMENT_EDITABLE_FIELDS = ("title", "summary", "description")


@transaction.atomic
def achievement_update(*, achievement: Achievement, by: User, data: dict) -> Achievement:
    if not can_edit_listing(by, achievement):
        raise NotAllowed(_("只有成果所属机构的成员可以修改该成果。"))
    locked = Achievement.objects.select_for_update().get(pk=achievement.pk)
    changed = [f for f in ACHIEVEMENT_EDITABLE_FIELDS if f in data]
    for field in changed:
        setattr(locked, field, data[field])
    locked.full_clean()
    locked.save(update_fields=[*changed, "updated_at"])
    return locked
