"""Read-only questions about people, organisations and roles.

Every permission decision in the project starts here, so that "who may do
what" is answered in one place.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, Organisation, Role, User, VerificationStatus


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
