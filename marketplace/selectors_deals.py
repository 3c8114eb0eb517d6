"""Read-only questions about deals and notifications, and who may do what to a deal (spec §6).

Who sees a deal: members of the two organisations, the assigned broker and bureau
staff (read-only). Nobody else learns that it exists: views answer 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Membership, Organisation, Role, User, VerificationStatus
from accounts.selectors import has_role, is_bureau_staff, organisation_ids_of
from marketplace.models import (
    OPEN_STAGES,
    Achievement,
    Deal,
    DealEvent,
    DealMessage,
    DealStage,
    ListingStatus,
    Need,
    Notification,
)

Listing = Achievement | Need

# Roles that speak for their organisation in an inquiry (spec §1: researchers answer,
# enterprise members send); brokers, experts and staff do not inquire as their organisation.
INQUIRER_ROLES = (Role.RESEARCHER, Role.ENTERPRISE_MEMBER)
# Once the owner accepts, the requester sees the confidential detail (spec §3).
ACCEPTED_STAGES = (DealStage.NEGOTIATING, DealStage.CONTRACT_SIGNED, DealStage.REGISTERED)


def _listing_filter(listing: Listing) -> Q:
    if isinstance(listing, Achievement):
        return Q(achievement=listing)
    return Q(need=listing)


# --- visibility --------------------------------------------------------------------------
def deals_visible_to(user: User) -> QuerySet[Deal]:
    """Deals of the person's organisations or served by them as broker; staff see all."""
    qs = Deal.objects.select_related(
        "achievement", "need", "requester_org", "owner_org", "broker", "created_by"
    )
    if not user.is_authenticated:
        return qs.none()
    if is_bureau_staff(user):
        return qs
    own = organisation_ids_of(user)
    return qs.filter(Q(requester_org_id__in=own) | Q(owner_org_id__in=own) | Q(broker=user))


def deal_for(user: User, pk: int) -> Deal | None:
    return deals_visible_to(user).filter(pk=pk).first()


def deal_messages(deal: Deal) -> QuerySet[DealMessage]:
    return deal.messages.select_related("author", "organisation")


def deal_events(deal: Deal) -> QuerySet[DealEvent]:
    return deal.events.select_related("actor")


# --- who may do what ----------------------------------------------------------------------
def side_of(user: User, deal: Deal) -> str | None:
    """ "requester", "owner", "broker", "staff" or None: how this person takes part."""
    if not user.is_authenticated:
        return None
    own = organisation_ids_of(user)
    if deal.requester_org_id in own:
        return "requester"
    if deal.owner_org_id in own:
        return "owner"
    if deal.broker_id is not None and deal.broker_id == user.pk:
        return "broker"
    if is_bureau_staff(user):
        return "staff"
    return None


def is_party(user: User, deal: Deal) -> bool:
    return side_of(user, deal) in ("requester", "owner")


def can_post_message(user: User, deal: Deal) -> bool:
    """The two organisations and the assigned broker; bureau staff only read."""
    return side_of(user, deal) in ("requester", "owner", "broker") and deal.stage != (
        DealStage.CLOSED
    )


def can_accept(user: User, deal: Deal) -> bool:
    return side_of(user, deal) == "owner" and deal.stage == DealStage.INQUIRY


def can_mark_signed(user: User, deal: Deal) -> bool:
    return is_party(user, deal) and deal.stage == DealStage.NEGOTIATING


def can_close(user: User, deal: Deal) -> bool:
    """Either party, or bureau staff (e.g. a duplicate), while the deal is open."""
    return (is_party(user, deal) or is_bureau_staff(user)) and deal.stage in OPEN_STAGES


def can_assign_broker(user: User, deal: Deal) -> bool:
    return is_bureau_staff(user) and deal.stage not in (DealStage.CLOSED, DealStage.REGISTERED)


def brokers() -> QuerySet[User]:
    return (
        User.objects.filter(memberships__role=Role.BROKER, is_active=True)
        .distinct()
        .order_by("display_name", "email")
    )


def is_broker(user: User) -> bool:
    return user.is_authenticated and has_role(user, Role.BROKER)


# --- inquiring -----------------------------------------------------------------------------
def inquiry_organisations(user: User, listing: Listing) -> list[Organisation]:
    """The verified organisations this person may inquire for about this listing."""
    if not user.is_authenticated:
        return []
    memberships = (
        Membership.objects.filter(
            user=user,
            role__in=INQUIRER_ROLES,
            organisation__status=VerificationStatus.VERIFIED,
        )
        .exclude(organisation_id=listing.organisation_id)
        .select_related("organisation")
        .order_by("id")
    )
    return [m.organisation for m in memberships]


def open_deal_on(user: User, listing: Listing) -> Deal | None:
    """This person's organisations' open deal on the listing, if there is one."""
    if not user.is_authenticated:
        return None
    return (
        Deal.objects.filter(_listing_filter(listing), stage__in=OPEN_STAGES)
        .filter(requester_org_id__in=organisation_ids_of(user))
        .first()
    )


def inquiry_state(user: User, listing: Listing) -> dict:
    """What the inquiry box on a detail page shows this person."""
    if listing.status != ListingStatus.PUBLISHED:
        return {"show": False}
    if not user.is_authenticated:
        return {"show": True, "prompt": "login"}
    if listing.organisation_id in organisation_ids_of(user):
        return {"show": False}
    existing = open_deal_on(user, listing)
    if existing is not None:
        return {"show": True, "existing": existing}
    organisations = inquiry_organisations(user, listing)
    if not organisations:
        return {"show": True, "prompt": "verify"}
    return {"show": True, "organisations": organisations}


def can_see_confidential(user: User, listing: Listing) -> bool:
    """The owning organisation and bureau staff; an inquirer once the owner accepted (spec §3)."""
    if not user.is_authenticated:
        return False
    own = organisation_ids_of(user)
    if listing.organisation_id in own or is_bureau_staff(user):
        return True
    return Deal.objects.filter(
        _listing_filter(listing), requester_org_id__in=own, stage__in=ACCEPTED_STAGES
    ).exists()


# --- notifications --------------------------------------------------------------------------
def notifications_of(user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        if user.is_authenticated
        else (Notification.objects.none())
    )


def unread_notification_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
