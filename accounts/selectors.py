"""Read-only questions about people, organisations and roles.

Every permission decision in the project starts here, so that "who may do
what" is answered in one place.
"""

from __future__ import annotations

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, When

from accounts.models import (
    Membership,
    MembershipRequest,
    MembershipRequestStatus,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
)
from accounts.validators import normalise_credit_code


def user_roles(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_kechuang_roles", None)
    if cached is None:
        cached = set(Membership.objects.filter(user=user).values_list("role", flat=True))
        user._kechuang_roles = cached
    return cached


def has_role(user: User, role: str) -> bool:
    return role in user_roles(user)


def is_bureau_staff(user: User) -> bool:
    """Bureau staff review, verify and register; superusers count as staff."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or has_role(user, Role.BUREAU_STAFF)


def organisation_ids_of(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_kechuang_org_ids", None)
    if cached is None:
        cached = set(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
        user._kechuang_org_ids = cached
    return cached


def is_member(user: User, organisation_id: int | None) -> bool:
    return organisation_id is not None and organisation_id in organisation_ids_of(user)


def has_verified_organisation(user: User) -> bool:
    """Contact details are shown only to signed-in users of verified organisations (spec §1)."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, organisation__status=VerificationStatus.VERIFIED
    ).exists()


def memberships_of(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organisation").order_by("id")


def organisations_pending_verification() -> QuerySet[Organisation]:
    return Organisation.objects.filter(status=VerificationStatus.PENDING).order_by("created_at")


# --- joining an existing organisation -------------------------------------------------------
# The roles a person may ask for when joining each kind of organisation (spec §1): researchers
# belong to universities, institutes and company R&D teams; enterprise members to companies;
# brokers to service agencies. Government bodies are not joined by request: the bureau grants
# its own roles.
JOIN_ROLES: dict[str, tuple[str, ...]] = {
    OrganisationKind.UNIVERSITY: (Role.RESEARCHER,),
    OrganisationKind.INSTITUTE: (Role.RESEARCHER,),
    OrganisationKind.ENTERPRISE: (Role.ENTERPRISE_MEMBER, Role.RESEARCHER),
    OrganisationKind.SERVICE_AGENCY: (Role.BROKER,),
    OrganisationKind.OTHER: (Role.RESEARCHER, Role.ENTERPRISE_MEMBER),
}
JOIN_SEARCH_LIMIT = 20


def join_roles(organisation: Organisation) -> tuple[str, ...]:
    return JOIN_ROLES.get(organisation.kind, ())


def joinable_organisations() -> QuerySet[Organisation]:
    """Verified organisations a person may ask to join; unverified ones are never offered."""
    return Organisation.objects.filter(
        status=VerificationStatus.VERIFIED, kind__in=list(JOIN_ROLES)
    ).order_by("name")


def search_joinable_organisations(query: str) -> list[Organisation]:
    """By part of the name, or by the whole credit code (as pasted from a licence)."""
    query = query.strip()
    if not query:
        return []
    code = normalise_credit_code(query)
    condition = Q(name__icontains=query)
    if len(code) == 18:
        condition |= Q(credit_code=code)
    return list(joinable_organisations().filter(condition)[:JOIN_SEARCH_LIMIT])


def administered_organisation_ids(user: User) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, is_admin=True).values_list(
            "organisation_id", flat=True
        )
    )


def _active_admin_exists():
    return Exists(
        Membership.objects.filter(
            organisation=OuterRef("organisation"), is_admin=True, user__is_active=True
        )
    )


def has_active_admin(organisation: Organisation) -> bool:
    return Membership.objects.filter(
        organisation=organisation, is_admin=True, user__is_active=True
    ).exists()


def can_decide_membership_request(user: User, organisation: Organisation) -> bool:
    """The organisation's admins decide; bureau staff only when it has no active admin."""
    if not user.is_authenticated or not user.is_active:
        return False
    if organisation.pk in administered_organisation_ids(user):
        return True
    return is_bureau_staff(user) and not has_active_admin(organisation)


def _pending_first() -> Case:
    return Case(When(status=MembershipRequestStatus.PENDING, then=0), default=1)


def membership_requests_of(user: User) -> QuerySet[MembershipRequest]:
    return (
        MembershipRequest.objects.filter(user=user)
        .select_related("organisation")
        .order_by(_pending_first(), "-created_at", "-id")
    )


def membership_requests_to_decide(user: User) -> QuerySet[MembershipRequest]:
    """Requests to the organisations this person administers, pending first."""
    return (
        MembershipRequest.objects.filter(organisation_id__in=administered_organisation_ids(user))
        .select_related("organisation", "user", "decided_by")
        .order_by(_pending_first(), "-created_at", "-id")
    )


def pending_request_count_for_admin(user: User) -> int:
    return MembershipRequest.objects.filter(
        organisation_id__in=administered_organisation_ids(user),
        status=MembershipRequestStatus.PENDING,
    ).count()


def membership_requests_awaiting_bureau() -> QuerySet[MembershipRequest]:
    """Pending requests to organisations with no active admin: bureau staff decide these."""
    return (
        MembershipRequest.objects.filter(status=MembershipRequestStatus.PENDING)
        .exclude(_active_admin_exists())
        .select_related("organisation", "user")
        .order_by("created_at", "id")
    )


def organisation_admin_emails(organisation: Organisation) -> list[str]:
    return list(
        Membership.objects.filter(organisation=organisation, is_admin=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
