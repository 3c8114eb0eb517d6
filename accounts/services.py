"""Writes for people and organisations. Views, admin and commands call these only."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    Membership,
    Organisation,
    OrganisationEvent,
    Role,
    User,
    VerificationStatus,
)
from accounts.selectors import is_bureau_staff
from lib.errors import DomainError, NotAllowed

BUREAU_GROUP_NAME = "Bureau staff"


def _bureau_group() -> Group:
    group, created = Group.objects.get_or_create(name=BUREAU_GROUP_NAME)
    if created or not group.permissions.exists():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="wagtailadmin", codename="access_admin"
            ),
            *Permission.objects.filter(
                content_type__app_label="accounts",
                codename__in=["view_organisation", "change_organisation"],
            ),
        )
    return group


def _grant_admin_access(user: User) -> None:
    """Bureau staff use the Wagtail admin (review queues, verification, CMS)."""
    user.groups.add(_bureau_group())
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


@transaction.atomic
def membership_add(
    *, user: User, organisation: Organisation, role: str, is_admin: bool = False
) -> Membership:
    if role == Role.BUREAU_STAFF and organisation.kind != "government":
        raise DomainError(_("科技局工作人员只能属于政府部门类机构。"))
    membership, _created = Membership.objects.update_or_create(
        user=user, organisation=organisation, defaults={"role": role, "is_admin": is_admin}
    )
    if role == Role.BUREAU_STAFF:
        _grant_admin_access(user)
    for attr in ("_kechuang_roles", "_kechuang_org_ids"):
        user.__dict__.pop(attr, None)
    return membership


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    region_code: str,
    credit_code: str = "",
    description: str = "",
    created_by: User,
    role: str,
) -> Organisation:
    """A person registers their organisation; it waits for verification by bureau staff."""
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        region_code=region_code.strip(),
        credit_code=credit_code,
        description=description,
    )
    organisation.full_clean()
    organisation.save()
    membership_add(user=created_by, organisation=organisation, role=role, is_admin=True)
    return organisation


def _set_status(*, organisation: Organisation, by: User, to: str, reason: str = "") -> Organisation:
    if not is_bureau_staff(by):
        raise NotAllowed(_("只有科技局工作人员可以认证机构。"))
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if locked.status == to:
        raise DomainError(
            _("该机构已是“%(status)s”状态。") % {"status": locked.get_status_display()}
        )
    from_status = locked.status
    locked.status = to
    locked.status_reason = reason
    locked.verified_at = timezone.now() if to == VerificationStatus.VERIFIED else None
    locked.verified_by = by if to == VerificationStatus.VERIFIED else None
    locked.save(update_fields=["status", "status_reason", "verified_at", "verified_by"])
    OrganisationEvent.objects.create(
        organisation=locked, actor=by, from_status=from_status, to_status=to, reason=reason
    )
    return locked


@transaction.atomic
def organisation_verify(*, organisation: Organisation, by: User) -> Organisation:
    return _set_status(organisation=organisation, by=by, to=VerificationStatus.VERIFIED)


@transaction.atomic
def organisation_reject(*, organisation: Organisation, by: User, reason: str) -> Organisation:
    if not reason.strip():
        raise DomainError(_("请填写未通过认证的原因，机构会看到这条说明。"))
    return _set_status(
        organisation=organisation, by=by, to=VerificationStatus.REJECTED, reason=reason.strip()
    )


@transaction.atomic
def profile_update(*, user: User, display_name: str, phone: str = "") -> User:
    user.display_name = display_name.strip()
    user.phone = phone.strip()
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "phone"])
    return user
