"""The listing workflow (spec §3): draft → submitted → published | returned → archived.

One service per transition: it checks who is asking and the current state,
locks the row, saves only the fields it changes and writes the audit event.
Editing a published listing files a revision that is reviewed while the
published version stays live.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from lib.errors import DomainError, NotAllowed
from lib.html import sanitize_html
from marketplace import permissions
from marketplace.models import (
    MAX_KEYWORDS,
    Achievement,
    IPItem,
    ListingEvent,
    ListingRevision,
    ListingStatus,
    Need,
    RevisionStatus,
)

Listing = Achievement | Need
RICH_TEXT_FIELDS = {"description"}
# Fields an owner edits; everything else is workflow state or counters.
EDITABLE_FIELDS = {
    Achievement: [
        "title",
        "summary",
        "description",
        "problem",
        "advantages",
        "tech_field",
        "industry",
        "keywords",
        "trl",
        "cooperation_modes",
        "price",
        "team",
        "application_scope",
        "confidential_detail",
        "contact_name",
        "contact_phone",
        "contact_email",
        "ip_items",
    ],
    Need: [
        "title",
        "description",
        "targets",
        "tech_field",
        "industry",
        "keywords",
        "cooperation_modes",
        "budget_min",
        "budget_max",
        "valid_from",
        "valid_until",
        "disclosure",
        "contact_name",
        "contact_phone",
        "contact_email",
    ],
}


# --- data carried by forms and revisions -------------------------------------------
def to_json(model: type[Listing], data: dict[str, Any]) -> dict[str, Any]:
    """Form values → JSON for a revision (ids for code lists, strings for money and dates)."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name not in EDITABLE_FIELDS[model]:
            continue
        if name == "ip_items":
            out[name] = [
                {
                    "ip_type": item["ip_type"].pk
                    if hasattr(item["ip_type"], "pk")
                    else item["ip_type"],
                    "number": item.get("number", ""),
                    "status": item.get("status", ""),
                }
                for item in value
            ]
        elif isinstance(value, models.Model):
            out[name] = value.pk
        elif isinstance(value, (list, tuple, models.QuerySet)) and name == "cooperation_modes":
            out[name] = [m.pk if hasattr(m, "pk") else m for m in value]
        elif isinstance(value, Decimal):
            out[name] = str(value)
        elif isinstance(value, dt.date):
            out[name] = value.isoformat()
        else:
            out[name] = value
    return out


def _apply(listing: Listing, data: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Set plain fields on the instance; return the changed names and the relations to write."""
    changed: list[str] = []
    relations: dict[str, Any] = {}
    model = type(listing)
    for name, value in to_json(model, data).items():
        if name in ("cooperation_modes", "ip_items"):
            relations[name] = value
            continue
        field = model._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            setattr(listing, field.attname, value)
            changed.append(field.attname)
            continue
        value = field.to_python(value)
        if name in RICH_TEXT_FIELDS and model is Achievement:
            value = sanitize_html(value)
        if name == "keywords":
            value = _clean_keywords(value)
        setattr(listing, name, value)
        changed.append(name)
    return changed, relations


def _clean_keywords(value: list[str] | None) -> list[str]:
    words: list[str] = []
    for word in value or []:
        word = str(word).strip()
        if word and word not in words:
            words.append(word[:20])
    if len(words) > MAX_KEYWORDS:
        raise DomainError(_("关键词最多 %(n)d 个。") % {"n": MAX_KEYWORDS})
    return words


def _write_relations(listing: Listing, relations: dict[str, Any]) -> None:
    if "cooperation_modes" in relations:
        listing.cooperation_modes.set(relations["cooperation_modes"])
    if "ip_items" in relations and isinstance(listing, Achievement):
        listing.ip_items.all().delete()
        IPItem.objects.bulk_create(
            [
                IPItem(
                    achievement=listing,
                    ip_type_id=i["ip_type"],
                    number=i["number"],
                    status=i["status"],
                )
                for i in relations["ip_items"]
            ]
        )


def _log(
    listing: Listing, *, by: User | None, action: str, from_status: str, reason: str = ""
) -> None:
    ListingEvent.objects.create(
        content_type=ContentType.objects.get_for_model(listing),
        object_id=listing.pk,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=listing.status,
        reason=reason,
    )


def _locked(listing: Listing) -> Listing:
    return type(listing).objects.select_for_update().get(pk=listing.pk)


def _check_owner(by: User, listing: Listing) -> None:
    if not permissions.can_edit(by, listing):
        raise NotAllowed(_("只有所属机构的成员可以操作该信息。"))


def _check_reviewer(by: User) -> None:
    if not permissions.can_review(by):
        raise NotAllowed(_("只有科技局工作人员可以审核。"))


def _check_state(listing: Listing, allowed: set[str], action: str) -> None:
    if listing.status not in allowed:
        raise DomainError(
            _("当前状态为“%(status)s”，不能%(action)s。")
            % {"status": listing.get_status_display(), "action": action}
        )


# --- owner actions ---------------------------------------------------------------------
@transaction.atomic
def listing_create(
    *, model: type[Listing], organisation: Organisation, by: User, data: dict[str, Any]
) -> Listing:
    if organisation not in permissions.publishing_organisations(by, model):
        raise NotAllowed(_("您不能以该机构的名义发布此类信息。"))
    listing = model(organisation=organisation, created_by=by, status=ListingStatus.DRAFT)
    _changed, relations = _apply(listing, data)
    listing.full_clean()
    listing.save()
    _write_relations(listing, relations)
    _log(listing, by=by, action="create", from_status=ListingStatus.DRAFT)
    return listing


@transaction.atomic
def listing_update(
    *, listing: Listing, by: User, data: dict[str, Any]
) -> Listing | ListingRevision:
    """Edit a draft or returned listing in place; a published one gets a revision for review."""
    _check_owner(by, listing)
    locked = _locked(listing)
    if locked.status == ListingStatus.ARCHIVED:
        raise DomainError(_("已归档的信息不能修改。"))
    if locked.status == ListingStatus.PUBLISHED:
        return _revision_file(locked, by=by, data=data)
    changed, relations = _apply(locked, data)
    locked.full_clean()
    locked.save(update_fields=[*changed, "updated_at"])
    _write_relations(locked, relations)
    return locked


def _revision_file(listing: Listing, *, by: User, data: dict[str, Any]) -> ListingRevision:
    # Validate the proposed values on a copy, so a bad revision is refused now.
    probe = type(listing).objects.get(pk=listing.pk)
    _apply(probe, data)
    probe.full_clean()
    content_type = ContentType.objects.get_for_model(listing)
    ListingRevision.objects.filter(
        content_type=content_type, object_id=listing.pk, status=RevisionStatus.PENDING
    ).update(status=RevisionStatus.WITHDRAWN)
    revision = ListingRevision.objects.create(
        content_type=content_type,
        object_id=listing.pk,
        data=to_json(type(listing), data),
        created_by=by,
    )
    _log(listing, by=by, action="revise", from_status=listing.status)
    return revision


@transaction.atomic
def listing_submit(*, listing: Listing, by: User) -> Listing:
    _check_owner(by, listing)
    locked = _locked(listing)
    _check_state(locked, {ListingStatus.DRAFT, ListingStatus.RETURNED}, _("提交审核"))
    locked.full_clean()
    from_status = locked.status
    locked.status = ListingStatus.SUBMITTED
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["status", "submitted_at", "updated_at"])
    _log(locked, by=by, action="submit", from_status=from_status)
    return locked


@transaction.atomic
def listing_archive(*, listing: Listing, by: User, reason: str = "") -> Listing:
    _check_owner(by, listing)
    locked = _locked(listing)
    _check_state(
        locked,
        {
            ListingStatus.DRAFT,
            ListingStatus.SUBMITTED,
            ListingStatus.RETURNED,
            ListingStatus.PUBLISHED,
        },
        _("归档"),
    )
    return _archive(locked, by=by, action="archive", reason=reason)


def _archive(locked: Listing, *, by: User | None, action: str, reason: str) -> Listing:
    from_status = locked.status
    locked.status = ListingStatus.ARCHIVED
    locked.archived_at = timezone.now()
    locked.save(update_fields=["status", "archived_at", "updated_at"])
    ListingRevision.objects.filter(
        content_type=ContentType.objects.get_for_model(locked),
        object_id=locked.pk,
        status=RevisionStatus.PENDING,
    ).update(status=RevisionStatus.WITHDRAWN)
    _log(locked, by=by, action=action, from_status=from_status, reason=reason)
    return locked


# --- review by bureau staff ------------------------------------------------------------
@transaction.atomic
def listing_approve(*, listing: Listing, by: User) -> Listing:
    _check_reviewer(by)
    locked = _locked(listing)
    _check_state(locked, {ListingStatus.SUBMITTED}, _("审核通过"))
    if not locked.organisation.is_verified:
        raise DomainError(_("所属机构尚未通过认证，信息暂不能公开。请先认证该机构。"))
    from_status = locked.status
    locked.status = ListingStatus.PUBLISHED
    locked.status_reason = ""
    locked.published_at = locked.published_at or timezone.now()
    locked.save(update_fields=["status", "status_reason", "published_at", "updated_at"])
    _log(locked, by=by, action="approve", from_status=from_status)
    return locked


@transaction.atomic
def listing_return(*, listing: Listing, by: User, reason: str) -> Listing:
    _check_reviewer(by)
    if not reason.strip():
        raise DomainError(_("请填写退回原因，发布者会看到这条说明。"))
    locked = _locked(listing)
    _check_state(locked, {ListingStatus.SUBMITTED}, _("退回"))
    from_status = locked.status
    locked.status = ListingStatus.RETURNED
    locked.status_reason = reason.strip()
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    _log(locked, by=by, action="return", from_status=from_status, reason=reason.strip())
    return locked


@transaction.atomic
def revision_approve(*, revision: ListingRevision, by: User) -> Listing:
    _check_reviewer(by)
    locked_rev = ListingRevision.objects.select_for_update().get(pk=revision.pk)
    if locked_rev.status != RevisionStatus.PENDING:
        raise DomainError(_("该修改稿已处理。"))
    listing = _locked(locked_rev.listing)
    changed, relations = _apply(listing, locked_rev.data)
    listing.full_clean()
    listing.save(update_fields=[*changed, "updated_at"])
    _write_relations(listing, relations)
    locked_rev.status = RevisionStatus.APPROVED
    locked_rev.reviewed_by = by
    locked_rev.reviewed_at = timezone.now()
    locked_rev.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    _log(listing, by=by, action="revision_approve", from_status=listing.status)
    return listing


@transaction.atomic
def revision_return(*, revision: ListingRevision, by: User, reason: str) -> ListingRevision:
    _check_reviewer(by)
    if not reason.strip():
        raise DomainError(_("请填写退回原因，发布者会看到这条说明。"))
    locked_rev = ListingRevision.objects.select_for_update().get(pk=revision.pk)
    if locked_rev.status != RevisionStatus.PENDING:
        raise DomainError(_("该修改稿已处理。"))
    locked_rev.status = RevisionStatus.RETURNED
    locked_rev.reason = reason.strip()
    locked_rev.reviewed_by = by
    locked_rev.reviewed_at = timezone.now()
    locked_rev.save(update_fields=["status", "reason", "reviewed_by", "reviewed_at"])
    listing = locked_rev.listing
    _log(
        listing, by=by, action="revision_return", from_status=listing.status, reason=reason.strip()
    )
    return locked_rev


# --- the system ----------------------------------------------------------------------
def needs_expire(*, today: dt.date | None = None) -> int:
    """Archive published needs whose validity has ended (run daily by Celery beat)."""
    today = today or timezone.localdate()
    expired_ids = list(
        Need.objects.filter(status=ListingStatus.PUBLISHED, valid_until__lt=today).values_list(
            "pk", flat=True
        )
    )
    for pk in expired_ids:
        with transaction.atomic():
            locked = Need.objects.select_for_update().get(pk=pk)
            if locked.status == ListingStatus.PUBLISHED and locked.valid_until < today:
                _archive(locked, by=None, action="expire", reason=_("有效期已过，自动归档"))
    return len(expired_ids)


def listing_record_view(*, listing: Listing) -> None:
    """Count a detail-page view without loading or locking the row."""
    type(listing).objects.filter(pk=listing.pk).update(view_count=models.F("view_count") + 1)
