"""Dismissing a match (spec §5: owners can dismiss a match; it is not shown again).

A dismissal belongs to the source listing, so it holds for everyone in the
owning organisation; only its members may dismiss (``marketplace.permissions``).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from lib.errors import DomainError, NotAllowed
from marketplace import permissions
from search.documents import DOCUMENT_TYPES, document_type_for
from search.engine import target_types
from search.models import MatchDismissal


def can_dismiss(user: User, source: Any) -> bool:
    return permissions.can_edit(user, source)


@transaction.atomic
def match_dismiss(*, source: Any, target_type: str, target_id: int, by: User) -> MatchDismissal:
    """Hide ``target`` from the matches of ``source``; dismissing twice changes nothing."""
    if not can_dismiss(by, source):
        raise NotAllowed(_("只有发布该信息的机构成员可以忽略匹配。"))
    doc_type = document_type_for(type(source))
    if doc_type is None or target_type not in target_types(doc_type.name):
        raise DomainError(_("这条匹配无法忽略。"))
    if not DOCUMENT_TYPES[target_type].model.objects.filter(pk=target_id).exists():
        raise DomainError(_("这条匹配无法忽略。"))
    dismissal, _created = MatchDismissal.objects.get_or_create(
        source_type=doc_type.name,
        source_id=source.pk,
        target_type=target_type,
        target_id=target_id,
        defaults={"dismissed_by": by},
    )
    return dismissal
