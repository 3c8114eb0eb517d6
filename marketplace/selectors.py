"""Read-only queries for listings: what a given person may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.selectors import is_bureau_staff, organisation_ids_of
from marketplace.models import Achievement, ListingStatus, Need


def _visible(qs: QuerySet, user: User) -> QuerySet:
    """Published listings for everyone; drafts only for the owning organisation and staff."""
    if is_bureau_staff(user):
        return qs
    own = organisation_ids_of(user)
    if own:
        return qs.filter(Q(status=ListingStatus.PUBLISHED) | Q(organisation_id__in=own))
    return qs.filter(status=ListingStatus.PUBLISHED)


def achievements_visible_to(user: User) -> QuerySet[Achievement]:
    return _visible(Achievement.objects.select_related("organisation"), user)


def needs_visible_to(user: User) -> QuerySet[Need]:
    return _visible(Need.objects.select_related("organisation"), user)


def published_achievements() -> QuerySet[Achievement]:
    return Achievement.objects.filter(status=ListingStatus.PUBLISHED).select_related("organisation")


def published_needs() -> QuerySet[Need]:
    return Need.objects.filter(status=ListingStatus.PUBLISHED).select_related("organisation")


def listing_counts() -> dict[str, int]:
    return {
        "achievements": Achievement.objects.filter(status=ListingStatus.PUBLISHED).count(),
        "needs": Need.objects.filter(status=ListingStatus.PUBLISHED).count(),
    }


def can_edit_listing(user: User, listing: Achievement | Need) -> bool:
    """Only members of the owning organisation edit; staff review but do not edit (spec §3)."""
    return listing.organisation_id in organisation_ids_of(user)
