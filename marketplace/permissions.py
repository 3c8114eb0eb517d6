"""Who may do what to a listing (spec §1, §3). Services and views ask here."""

from __future__ import annotations

from accounts.models import Membership, Role, User
from accounts.selectors import is_bureau_staff, organisation_ids_of
from marketplace.models import Achievement, ListingStatus, Need

# Which roles publish which kind of listing.
PUBLISHER_ROLES = {
    Achievement: {Role.RESEARCHER},
    Need: {Role.ENTERPRISE_MEMBER},
}


def publishing_organisations(user: User, model: type) -> list:
    """Organisations in which this person may create listings of this kind."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user=user, role__in=PUBLISHER_ROLES[model])
    return [m.organisation for m in memberships.select_related("organisation")]


def can_view(user: User, listing: Achievement | Need) -> bool:
    return (
        listing.status == ListingStatus.PUBLISHED
        or is_bureau_staff(user)
        or listing.organisation_id in organisation_ids_of(user)
    )


def can_edit(user: User, listing: Achievement | Need) -> bool:
    """Only members of the owning organisation edit; staff review but do not edit."""
    return listing.organisation_id in organisation_ids_of(user)


def can_review(user: User) -> bool:
    return is_bureau_staff(user)
