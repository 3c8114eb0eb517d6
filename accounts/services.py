"""Writes for people and organisations. Views, admin and commands call these only."""

from __future__ import annotations

import logging
from functools import partial

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors
from accounts.models import (
    Membership,
    MembershipRequest,
    MembershipRequestStatus,
    Organisation,
    OrganisationEvent,
    Role,
    User,
    VerificationStatus,
)
from accounts.selectors import is_bureau_staff
from lib.errors import DomainError, NotAllowed

logger = logging.getLogger(__name__)

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


# --- joining an existing organisation (加入机构申请) -------------------------------------------
# pending → approved | refused (by the organisation's admins, or bureau staff when it has none)
#         → withdrawn (by the person who asked)
# A person may have only a few requests waiting at once, so nobody floods admins' lists.
MAX_PENDING_REQUESTS = 5


def _enqueue(task_name: str, request_id: int) -> None:
    from accounts import tasks

    try:
        getattr(tasks, task_name).delay(request_id)
    except Exception:  # noqa: BLE001 — broker down: the request is saved and listed; log and go on
        logger.exception("Could not enqueue %s for membership request %s", task_name, request_id)


@transaction.atomic
def membership_request_create(
    *, user: User, organisation: Organisation, role: str, message: str = ""
) -> MembershipRequest:
    """A signed-in person asks to join a verified organisation with a role that fits its kind."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("请先登录。"))
    # Lock the person's row: their pending requests are counted and checked one at a time.
    User.objects.select_for_update().filter(pk=user.pk).first()
    organisation = selectors.joinable_organisations().filter(pk=organisation.pk).first()
    if organisation is None:
        # Said the same way for an unknown and an unverified organisation: nothing leaks.
        raise DomainError(_("没有找到这个机构，或它尚未通过认证。"))
    if role not in selectors.join_roles(organisation):
        raise DomainError(
            _("加入%(kind)s时不能申请“%(role)s”角色。")
            % {"kind": organisation.get_kind_display(), "role": Role(role).label}
            if role in Role.values
            else _("请选择申请的角色。")
        )
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise DomainError(_("您已是该机构的成员。"))
    pending = MembershipRequest.objects.filter(user=user, status=MembershipRequestStatus.PENDING)
    if pending.filter(organisation=organisation).exists():
        raise DomainError(_("您已申请加入该机构，请等待审批。"))
    if pending.count() >= MAX_PENDING_REQUESTS:
        raise DomainError(
            _("您已有 %(n)d 个待审批的申请，请等待审批或撤回后再申请。")
            % {"n": MAX_PENDING_REQUESTS}
        )
    join_request = MembershipRequest(
        user=user, organisation=organisation, role=role, message=message.strip()
    )
    join_request.full_clean(validate_constraints=False)  # the constraint is checked by saving
    try:
        with transaction.atomic():
            join_request.save()
    except IntegrityError as exc:  # a second tab got there first (one pending per organisation)
        raise DomainError(_("您已申请加入该机构，请等待审批。")) from exc
    transaction.on_commit(partial(_enqueue, "email_membership_request_to_admins", join_request.pk))
    return join_request


def _locked_request(membership_request: MembershipRequest) -> MembershipRequest:
    return (
        MembershipRequest.objects.select_for_update()
        .select_related("organisation", "user")
        .get(pk=membership_request.pk)
    )


def _check_pending(locked: MembershipRequest) -> None:
    if locked.status != MembershipRequestStatus.PENDING:
        raise DomainError(
            _("该申请已是“%(status)s”状态，不能再处理。") % {"status": locked.get_status_display()}
        )


def _check_decider(locked: MembershipRequest, by: User) -> None:
    if not selectors.can_decide_membership_request(by, locked.organisation):
        raise NotAllowed(_("只有该机构的管理员可以审批加入申请。"))


def _decide(locked: MembershipRequest, *, by: User, to: str, reason: str = "") -> None:
    locked.status = to
    locked.reason = reason
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    transaction.on_commit(partial(_enqueue, "email_membership_decision", locked.pk))


@transaction.atomic
def membership_request_approve(
    *, membership_request: MembershipRequest, by: User
) -> MembershipRequest:
    """The organisation's admin (or bureau staff) accepts: the person becomes a member."""
    locked = _locked_request(membership_request)
    _check_decider(locked, by)
    _check_pending(locked)
    if Membership.objects.filter(user=locked.user, organisation=locked.organisation).exists():
        # membership_add would overwrite the role they already hold; refuse instead.
        raise DomainError(_("申请人已是该机构的成员，请选择“不同意”并说明。"))
    membership_add(user=locked.user, organisation=locked.organisation, role=locked.role)
    _decide(locked, by=by, to=MembershipRequestStatus.APPROVED)
    return locked


@transaction.atomic
def membership_request_refuse(
    *, membership_request: MembershipRequest, by: User, reason: str
) -> MembershipRequest:
    """The organisation's admin (or bureau staff) refuses, with a reason the person sees."""
    locked = _locked_request(membership_request)
    _check_decider(locked, by)
    _check_pending(locked)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("请填写不同意的原因，申请人会看到这条说明。"))
    if len(reason) > 300:
        raise DomainError(_("原因不超过 300 字。"))
    _decide(locked, by=by, to=MembershipRequestStatus.REFUSED, reason=reason)
    return locked


@transaction.atomic
def membership_request_withdraw(
    *, membership_request: MembershipRequest, by: User
) -> MembershipRequest:
    """The person who asked takes the request back while it waits."""
    locked = _locked_request(membership_request)
    if locked.user_id != by.pk:
        raise NotAllowed(_("只能撤回自己的申请。"))
    _check_pending(locked)
    locked.status = MembershipRequestStatus.WITHDRAWN
    locked.save(update_fields=["status"])
    return locked


# --- the e-mails, sent by accounts.tasks after the commit; each is sent at most once ----------
def _link(url_name: str) -> str:
    return f"{settings.SITE_URL}{reverse(url_name)}"


@transaction.atomic
def membership_request_email_admins(*, request_id: int) -> int:
    """Tell the organisation's admins that someone asks to join; returns how many were told."""
    locked = (
        MembershipRequest.objects.select_for_update()
        .select_related("organisation", "user")
        .filter(pk=request_id, admins_emailed_at__isnull=True)
        .first()
    )
    if locked is None:
        return 0
    recipients = selectors.organisation_admin_emails(locked.organisation)
    if recipients and locked.status == MembershipRequestStatus.PENDING:
        subject = _("%(name)s 申请加入%(org)s") % {
            "name": locked.user,
            "org": locked.organisation.name,
        }
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            message=_(
                "%(name)s（%(email)s）申请以“%(role)s”身份加入%(org)s。\n%(note)s\n"
                "请到以下页面同意或不同意：%(link)s"
            )
            % {
                "name": locked.user,
                "email": locked.user.email,
                "role": locked.get_role_display(),
                "org": locked.organisation.name,
                "note": locked.message,
                "link": _link("accounts:membership_requests"),
            },
            from_email=None,
            recipient_list=recipients,
        )
    locked.admins_emailed_at = timezone.now()
    locked.save(update_fields=["admins_emailed_at"])
    return len(recipients)


@transaction.atomic
def membership_request_email_decision(*, request_id: int) -> bool:
    """Tell the person whether they were accepted, and why not if they were not."""
    locked = (
        MembershipRequest.objects.select_for_update()
        .select_related("organisation", "user")
        .filter(
            pk=request_id,
            decision_emailed_at__isnull=True,
            status__in=[MembershipRequestStatus.APPROVED, MembershipRequestStatus.REFUSED],
        )
        .first()
    )
    if locked is None:
        return False
    sent = bool(locked.user.email and locked.user.is_active)
    if sent:
        org = locked.organisation.name
        if locked.status == MembershipRequestStatus.APPROVED:
            subject = _("您已加入%(org)s") % {"org": org}
            body = _("您加入%(org)s的申请已通过，角色：%(role)s。\n个人中心：%(link)s") % {
                "org": org,
                "role": locked.get_role_display(),
                "link": _link("accounts:profile"),
            }
        else:
            subject = _("加入%(org)s的申请未获同意") % {"org": org}
            body = _("您加入%(org)s的申请未获同意。\n原因：%(reason)s\n个人中心：%(link)s") % {
                "org": org,
                "reason": locked.reason,
                "link": _link("accounts:profile"),
            }
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
            message=body,
            from_email=None,
            recipient_list=[locked.user.email],
        )
    locked.decision_emailed_at = timezone.now()
    locked.save(update_fields=["decision_emailed_at"])
    return sent
