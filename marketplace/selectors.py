"""Read-only queries for listings: what a given person may see, loaded in few queries."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from accounts.selectors import is_bureau_staff, organisation_ids_of
from marketplace.models import (
    Achievement,
    IPItem,
    ListingEvent,
    ListingRevision,
    ListingStatus,
    Need,
    RevisionStatus,
)

Listing = Achievement | Need


def _with_relations(qs: QuerySet) -> QuerySet:
    """Everything a list row or detail page shows, without a query per row."""
    qs = qs.select_related("organisation", "tech_field", "tech_field__parent", "industry")
    qs = qs.prefetch_related("cooperation_modes")
    if qs.model is Achievement:
        qs = qs.prefetch_related(
            Prefetch("ip_items", queryset=IPItem.objects.select_related("ip_type"))
        )
    return qs


def _visible(qs: QuerySet, user: User) -> QuerySet:
    """Published listings for everyone; the rest only for the owning organisation and staff."""
    if is_bureau_staff(user):
        return qs
    own = organisation_ids_of(user)
    if own:
        return qs.filter(Q(status=ListingStatus.PUBLISHED) | Q(organisation_id__in=own))
    return qs.filter(status=ListingStatus.PUBLISHED)


def achievements_visible_to(user: User) -> QuerySet[Achievement]:
    return _with_relations(_visible(Achievement.objects.all(), user))


def needs_visible_to(user: User) -> QuerySet[Need]:
    return _with_relations(_visible(Need.objects.all(), user))


def published_achievements() -> QuerySet[Achievement]:
    return _with_relations(Achievement.objects.filter(status=ListingStatus.PUBLISHED))


def published_needs() -> QuerySet[Need]:
    return _with_relations(Need.objects.filter(status=ListingStatus.PUBLISHED))


def listings_of_user(user: User, model: type[Listing]) -> QuerySet:
    """我的成果 / 我的需求: every listing of the person's organisations, any state."""
    return (
        model.objects.filter(organisation_id__in=organisation_ids_of(user))
        .select_related("organisation")
        .order_by("-updated_at", "-id")
    )


def listing_events(listing: Listing) -> QuerySet[ListingEvent]:
    return ListingEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(listing), object_id=listing.pk
    ).select_related("actor")


def pending_revision(listing: Listing) -> ListingRevision | None:
    return ListingRevision.objects.filter(
        content_type=ContentType.objects.get_for_model(listing),
        object_id=listing.pk,
        status=RevisionStatus.PENDING,
    ).first()


def latest_revision(listing: Listing) -> ListingRevision | None:
    return (
        ListingRevision.objects.filter(
            content_type=ContentType.objects.get_for_model(listing), object_id=listing.pk
        )
        .exclude(status=RevisionStatus.WITHDRAWN)
        .first()
    )


def review_queue(model: type[Listing]) -> QuerySet:
    """Submitted listings, oldest first: what bureau staff review next."""
    return _with_relations(model.objects.filter(status=ListingStatus.SUBMITTED)).order_by(
        "submitted_at", "id"
    )


def pending_revisions(model: type[Listing]) -> QuerySet[ListingRevision]:
    return (
        ListingRevision.objects.filter(
            content_type=ContentType.objects.get_for_model(model), status=RevisionStatus.PENDING
        )
        .select_related("created_by")
        .order_by("created_at", "id")
    )


def listing_counts() -> dict[str, int]:
    return {
        "achievements": Achievement.objects.filter(status=ListingStatus.PUBLISHED).count(),
        "needs": Need.objects.filter(status=ListingStatus.PUBLISHED).count(),
    }
