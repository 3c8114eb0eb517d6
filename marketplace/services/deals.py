"""Inquiries and deals (spec §6): inquiry → negotiating → contract_signed → registered | closed.

One service per transition: it checks who is asking and the current stage, locks
the row, saves only what it changes and writes a ``DealEvent``. The other side is
told in-site (``Notification``) and by e-mail, sent by a Celery task enqueued
after the commit; a broker that is down never fails the action.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organisation, User
from accounts.selectors import is_bureau_staff, organisation_ids_of
from lib.errors import DomainError, NotAllowed
from marketplace import selectors_deals as sel
from marketplace.models import (
    OPEN_STAGES,
    Achievement,
    ContractSource,
    Deal,
    DealCloseReason,
    DealEvent,
    DealMessage,
    DealStage,
    ListingStatus,
    Need,
    Notification,
    TechContract,
)
from marketplace.services import contracts as contract_services
from marketplace.uploads import PDF_SIGNATURE, validate_image, validate_pdf

logger = logging.getLogger(__name__)

Listing = Achievement | Need
MAX_MESSAGE_LENGTH = 5000
# What the signing form gives; the parties come from the deal itself.
CONTRACT_FIELDS = (
    "contract_no",
    "title",
    "contract_type",
    "signed_on",
    "valid_from",
    "valid_until",
    "contract_amount",
    "tech_amount",
    "tech_field",
    "payment_method",
)


# --- helpers ----------------------------------------------------------------------------------
def _locked(deal: Deal) -> Deal:
    return Deal.objects.select_for_update().get(pk=deal.pk)


def _log(deal: Deal, *, by: User | None, action: str, from_stage: str, reason: str = "") -> None:
    DealEvent.objects.create(
        deal=deal,
        actor=by,
        action=action,
        from_stage=from_stage,
        to_stage=deal.stage,
        reason=reason[:500],
    )


def _check_stage(deal: Deal, allowed: tuple[str, ...], action: str) -> None:
    if deal.stage not in allowed:
        raise DomainError(
            _("该意向当前处于“%(stage)s”阶段，不能%(action)s。")
            % {"stage": deal.get_stage_display(), "action": action}
        )


def enqueue_emails(notification_ids: list[int]) -> None:
    from marketplace.tasks_deals import email_notifications

    try:
        email_notifications.delay(notification_ids)
    except Exception:  # noqa: BLE001 — broker down: the in-site notice is there, log and go on
        logger.exception("Could not enqueue e-mail for notifications %s", notification_ids)


def _notify(
    deal: Deal, *, verb: str, organisations: list[int], exclude: User | None, broker: bool = False
) -> list[Notification]:
    """Tell members of the given organisations (and the broker) about the deal, once each."""
    user_ids = set(
        Membership.objects.filter(
            organisation_id__in=organisations, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    if broker and deal.broker_id:
        user_ids.add(deal.broker_id)
    if exclude is not None:
        user_ids.discard(exclude.pk)
    url = deal.get_absolute_url()
    notices = Notification.objects.bulk_create(
        [Notification(recipient_id=uid, verb=verb[:200], url=url) for uid in sorted(user_ids)]
    )
    ids = [n.pk for n in notices if n.pk is not None]
    if not ids:  # backends that do not return ids from bulk_create
        ids = list(
            Notification.objects.filter(
                recipient_id__in=user_ids, url=url, emailed_at__isnull=True
            ).values_list("pk", flat=True)
        )
    if ids:
        transaction.on_commit(partial(enqueue_emails, ids))
    return notices


def _other_side(deal: Deal, by: User) -> list[int]:
    side = sel.side_of(by, deal)
    if side == "requester":
        return [deal.owner_org_id]
    if side == "owner":
        return [deal.requester_org_id]
    return [deal.requester_org_id, deal.owner_org_id]


# --- opening ------------------------------------------------------------------------------------
@transaction.atomic
def deal_open(
    *,
    listing: Listing,
    by: User,
    message: str,
    organisation: Organisation | None = None,
) -> Deal:
    """An inquiry (意向) on someone else's published listing, from a verified organisation."""
    if not by.is_authenticated:
        raise NotAllowed(_("请先登录再发起合作意向。"))
    if listing.status != ListingStatus.PUBLISHED:
        raise DomainError(_("只能对已发布的信息发起合作意向。"))
    if listing.organisation_id in organisation_ids_of(by):
        raise NotAllowed(_("不能对本机构发布的信息发起合作意向。"))
    allowed = sel.inquiry_organisations(by, listing)
    if not allowed:
        raise NotAllowed(_("只有已认证机构的成员可以发起合作意向。"))
    if organisation is None:
        requester = allowed[0]
    else:
        requester = next((o for o in allowed if o.pk == organisation.pk), None)
        if requester is None:
            raise NotAllowed(_("您不能代表该机构发起合作意向。"))
    message = (message or "").strip()
    if not message:
        raise DomainError(_("请填写意向说明，让对方了解您的需求。"))
    if len(message) > MAX_MESSAGE_LENGTH:
        raise DomainError(_("消息不能超过 %(n)d 个字。") % {"n": MAX_MESSAGE_LENGTH})

    is_achievement = isinstance(listing, Achievement)
    deal = Deal(
        achievement=listing if is_achievement else None,
        need=None if is_achievement else listing,
        requester_org=requester,
        owner_org_id=listing.organisation_id,
        created_by=by,
        stage=DealStage.INQUIRY,
    )
    deal.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            deal.save()
    except IntegrityError as exc:  # the unique open deal per listing and requester (race)
        raise DomainError(_("贵机构对该信息已有进行中的合作意向。")) from exc
    type(listing).objects.filter(pk=listing.pk).update(inquiry_count=F("inquiry_count") + 1)
    DealMessage.objects.create(deal=deal, author=by, organisation=requester, body=message)
    _log(deal, by=by, action="open", from_stage="")
    _notify(
        deal,
        verb=_("%(org)s 对“%(title)s”发起了合作意向")
        % {"org": requester.name, "title": listing.title},
        organisations=[deal.owner_org_id],
        exclude=by,
    )
    return deal


# --- transitions ----------------------------------------------------------------------------------
@transaction.atomic
def deal_accept(*, deal: Deal, by: User) -> Deal:
    """The owner accepts the inquiry: negotiation starts and the confidential detail opens."""
    locked = _locked(deal)
    if sel.side_of(by, locked) != "owner":
        raise NotAllowed(_("只有发布方机构的成员可以接受合作意向。"))
    _check_stage(locked, (DealStage.INQUIRY,), _("接受"))
    locked.stage = DealStage.NEGOTIATING
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["stage", "accepted_at", "updated_at"])
    _log(locked, by=by, action="accept", from_stage=DealStage.INQUIRY)
    _notify(
        locked,
        verb=_("%(org)s 接受了您对“%(title)s”的合作意向")
        % {"org": locked.owner_org.name, "title": locked.listing.title},
        organisations=[locked.requester_org_id],
        exclude=by,
        broker=True,
    )
    return locked


def _check_attachment(file: IO[bytes]) -> str:
    """The extension to store an attachment under: a PDF, or an image Pillow accepts."""
    file.seek(0)
    head = file.read(len(PDF_SIGNATURE))
    file.seek(0)
    if head == PDF_SIGNATURE:
        validate_pdf(file)
        return "pdf"
    return validate_image(file)


@transaction.atomic
def deal_post_message(
    *, deal: Deal, by: User, body: str, attachment: IO[bytes] | None = None
) -> DealMessage:
    """A message in the thread: the two organisations and the assigned broker, not staff."""
    locked = _locked(deal)
    side = sel.side_of(by, locked)
    if side not in ("requester", "owner", "broker"):
        raise NotAllowed(_("只有洽谈双方机构的成员和指派的技术经纪人可以发送消息。"))
    if locked.stage == DealStage.CLOSED:
        raise DomainError(_("该意向已关闭，不能再发送消息。"))
    body = (body or "").strip()
    if not body:
        raise DomainError(_("请填写消息内容。"))
    if len(body) > MAX_MESSAGE_LENGTH:
        raise DomainError(_("消息不能超过 %(n)d 个字。") % {"n": MAX_MESSAGE_LENGTH})
    organisation_id = {"requester": locked.requester_org_id, "owner": locked.owner_org_id}.get(side)
    message = DealMessage(deal=locked, author=by, organisation_id=organisation_id, body=body)
    if attachment is not None:
        extension = _check_attachment(attachment)
        original = getattr(attachment, "name", "") or ""
        message.attachment_name = original.rsplit("/", 1)[-1][:120] or f"attachment.{extension}"
        message.attachment.save(f"file.{extension}", attachment, save=False)
    try:
        message.save()
    except Exception:
        if message.attachment:
            message.attachment.storage.delete(message.attachment.name)
        raise
    locked.save(update_fields=["updated_at"])
    _notify(
        locked,
        verb=_("“%(title)s”的洽谈有新消息") % {"title": locked.listing.title},
        organisations=_other_side(locked, by),
        exclude=by,
        broker=side != "broker",
    )
    return message


@transaction.atomic
def deal_assign_broker(*, deal: Deal, broker: User, by: User) -> Deal:
    """Bureau staff assign a technology broker (技术经纪人) to serve the deal."""
    if not is_bureau_staff(by):
        raise NotAllowed(_("只有科技局工作人员可以指派技术经纪人。"))
    if not sel.is_broker(broker):
        raise DomainError(_("所选用户不是技术经纪人。"))
    locked = _locked(deal)
    if locked.stage in (DealStage.CLOSED, DealStage.REGISTERED):
        _check_stage(locked, (), _("指派技术经纪人"))
    if locked.broker_id == broker.pk:
        return locked
    locked.broker = broker
    locked.save(update_fields=["broker", "updated_at"])
    _log(locked, by=by, action="assign_broker", from_stage=locked.stage, reason=str(broker))
    notice = Notification.objects.create(
        recipient=broker,
        verb=(_("您被指派服务合作意向“%(title)s”") % {"title": locked.listing.title})[:200],
        url=locked.get_absolute_url(),
    )
    transaction.on_commit(partial(enqueue_emails, [notice.pk]))
    return locked


def _party(org: Organisation) -> dict[str, str]:
    return {"name": org.name, "credit_code": org.credit_code, "region": org.region_code}


@transaction.atomic
def deal_mark_signed(*, deal: Deal, by: User, contract_data: dict[str, Any]) -> TechContract:
    """Either party records the signed contract: a draft is created, linked and submitted.

    The seller is the side that supplies the technology: the achievement's
    organisation, or for a need the organisation that answered it.
    """
    locked = _locked(deal)
    if not sel.is_party(by, locked):
        raise NotAllowed(_("只有洽谈双方机构的成员可以登记签约。"))
    _check_stage(locked, (DealStage.NEGOTIATING,), _("登记签约"))
    unknown = set(contract_data) - set(CONTRACT_FIELDS)
    if unknown:
        raise ValueError(f"Not a contract field of a deal: {', '.join(sorted(unknown))}")
    if locked.achievement_id:
        seller, buyer = locked.owner_org, locked.requester_org
    else:
        seller, buyer = locked.requester_org, locked.owner_org
    data: dict[str, Any] = dict(contract_data)
    for prefix, org in (("seller", seller), ("buyer", buyer)):
        for key, value in _party(org).items():
            data[f"{prefix}_{key}"] = value
    data["achievement" if locked.achievement_id else "need"] = locked.listing
    contract = contract_services.contract_create(data=data, by=by, source=ContractSource.ONLINE)
    TechContract.objects.filter(pk=contract.pk).update(deal=locked)
    contract = contract_services.contract_submit(contract=contract, by=by)
    locked.stage = DealStage.CONTRACT_SIGNED
    locked.signed_at = timezone.now()
    locked.save(update_fields=["stage", "signed_at", "updated_at"])
    _log(
        locked,
        by=by,
        action="sign",
        from_stage=DealStage.NEGOTIATING,
        reason=contract.contract_no,
    )
    _notify(
        locked,
        verb=_("“%(title)s”已签订合同 %(no)s，等待认定登记")
        % {"title": locked.listing.title, "no": contract.contract_no},
        organisations=_other_side(locked, by),
        exclude=by,
        broker=True,
    )
    return contract


@transaction.atomic
def deal_close(*, deal: Deal, by: User, reason: str, note: str = "") -> Deal:
    """Close without a deal (未成交), with a reason code; either party or bureau staff."""
    locked = _locked(deal)
    if not (sel.is_party(by, locked) or is_bureau_staff(by)):
        raise NotAllowed(_("只有洽谈双方机构的成员或科技局工作人员可以关闭意向。"))
    _check_stage(locked, tuple(OPEN_STAGES), _("关闭"))
    if reason not in DealCloseReason.values:
        raise DomainError(_("请选择关闭原因。"))
    note = (note or "").strip()
    if reason == DealCloseReason.OTHER and not note:
        raise DomainError(_("关闭原因为“其他”时，请填写说明。"))
    from_stage = locked.stage
    locked.stage = DealStage.CLOSED
    locked.close_reason = reason
    locked.close_note = note[:500]
    locked.closed_at = timezone.now()
    locked.save(update_fields=["stage", "close_reason", "close_note", "closed_at", "updated_at"])
    _log(
        locked,
        by=by,
        action="close",
        from_stage=from_stage,
        reason=f"{DealCloseReason(reason).label}{'：' + note if note else ''}",
    )
    _notify(
        locked,
        verb=_("“%(title)s”的合作意向已关闭") % {"title": locked.listing.title},
        organisations=_other_side(locked, by),
        exclude=by,
        broker=True,
    )
    return locked


def deal_on_contract_registered(*, contract: TechContract) -> Deal | None:
    """Called by ``contract_register`` inside its transaction: the deal becomes registered.

    Idempotent: a deal already registered (or not signed) is left alone.
    """
    if not contract.deal_id:
        return None
    with transaction.atomic():
        locked = Deal.objects.select_for_update().filter(pk=contract.deal_id).first()
        if locked is None or locked.stage != DealStage.CONTRACT_SIGNED:
            return locked
        locked.stage = DealStage.REGISTERED
        locked.save(update_fields=["stage", "updated_at"])
        _log(
            locked,
            by=contract.registered_by,
            action="register",
            from_stage=DealStage.CONTRACT_SIGNED,
            reason=contract.registration_no,
        )
        _notify(
            locked,
            verb=_("“%(title)s”的合同已完成认定登记") % {"title": locked.listing.title},
            organisations=[locked.requester_org_id, locked.owner_org_id],
            exclude=None,
            broker=True,
        )
    return locked


# --- notifications ------------------------------------------------------------------------------
def notification_mark_read(*, user: User, notification: Notification | None = None) -> int:
    """Mark one of the person's notices read, or all of them; returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification is not None:
        qs = qs.filter(pk=notification.pk)
    return qs.update(read_at=timezone.now())
