"""Which listing a person asks about: matching sources looked up by type and id, with the
listing access rules of ``marketplace.selectors`` (a listing one may not see is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from marketplace import selectors, selectors_challenges

# type name → the selector of the listings a person may see.
VISIBLE: dict[str, Callable[[User], QuerySet]] = {
    "achievement": selectors.achievements_visible_to,
    "need": selectors.needs_visible_to,
    "challenge": selectors_challenges.challenges_visible_to,
}


def visible_source(user: User, type_name: str, pk: int) -> Any | None:
    """The listing if it exists and this person may see it, else None."""
    visible = VISIBLE.get(type_name)
    return visible(user).filter(pk=pk).first() if visible else None
