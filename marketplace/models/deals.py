"""Inquiries and deals (意向/洽谈) between two organisations, and in-site notices (spec §6).

A deal is opened by a member of a verified organisation on someone else's published
listing. It carries a message thread between the two organisations (and an assigned
broker) and moves through inquiry → negotiating → contract_signed → registered, or
is closed without a deal with a reason code. Every move is kept in ``DealEvent``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from marketplace.models.listings import Achievement, Need


class DealStage(models.TextChoices):
    INQUIRY = "inquiry", _("意向")
    NEGOTIATING = "negotiating", _("洽谈中")
    CONTRACT_SIGNED = "contract_signed", _("已签订合同")
    REGISTERED = "registered", _("合同已登记")
    CLOSED = "closed", _("未成交关闭")


# A deal is "open" while the two sides still talk; one open deal per listing and inquirer.
OPEN_STAGES = (DealStage.INQUIRY, DealStage.NEGOTIATING)


class DealCloseReason(models.TextChoices):
    NO_AGREEMENT = "no_agreement", _("未达成一致")
    PRICE = "price", _("价格分歧")
    WITHDRAWN = "withdrawn", _("一方撤回")
    DUPLICATE = "duplicate", _("重复意向")
    OTHER = "other", _("其他")


def deal_file_path(instance, filename: str) -> str:
    # Random names only (spec §11); the extension was decided by the validators.
    suffix = "." + filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else ""
    return f"deal-files/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}{suffix}"


class Deal(models.Model):
    """A deal (意向/洽谈) about one achievement or one need, between two organisations."""

    achievement = models.ForeignKey(
        Achievement,
        verbose_name=_("科技成果"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    need = models.ForeignKey(
        Need,
        verbose_name=_("技术需求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
    )
    requester_org = models.ForeignKey(
        Organisation,
        verbose_name=_("意向方机构"),
        on_delete=models.PROTECT,
        related_name="deals_requested",
    )
    owner_org = models.ForeignKey(
        Organisation,
        verbose_name=_("发布方机构"),
        on_delete=models.PROTECT,
        related_name="deals_received",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    broker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("技术经纪人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="brokered_deals",
    )
    stage = models.CharField(
        _("阶段"), max_length=16, choices=DealStage.choices, default=DealStage.INQUIRY
    )
    close_reason = models.CharField(
        _("关闭原因"), max_length=16, choices=DealCloseReason.choices, blank=True
    )
    close_note = models.CharField(_("关闭说明"), max_length=500, blank=True)
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    signed_at = models.DateTimeField(_("签约时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("合作意向")
        verbose_name_plural = _("合作意向")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["stage", "-updated_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(achievement__isnull=False) & Q(need__isnull=True))
                | (Q(achievement__isnull=True) & Q(need__isnull=False)),
                name="deal_exactly_one_listing",
            ),
            models.UniqueConstraint(
                fields=["achievement", "requester_org"],
                condition=Q(stage__in=["inquiry", "negotiating"]),
                name="deal_one_open_per_achievement_and_requester",
            ),
            models.UniqueConstraint(
                fields=["need", "requester_org"],
                condition=Q(stage__in=["inquiry", "negotiating"]),
                name="deal_one_open_per_need_and_requester",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.listing}"

    def get_absolute_url(self) -> str:
        return reverse("marketplace:deal_detail", args=[self.pk])

    @property
    def listing(self) -> Achievement | Need:
        return self.achievement if self.achievement_id else self.need

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class DealMessage(models.Model):
    """One message in a deal's thread, optionally with a PDF or an image."""

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="messages", verbose_name=_("合作意向")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发送人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("技术经纪人发送的消息不属于任何一方"),
    )
    body = models.TextField(_("内容"))
    attachment = models.FileField(_("附件"), upload_to=deal_file_path, blank=True)
    attachment_name = models.CharField(_("附件名称"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("洽谈消息")
        verbose_name_plural = _("洽谈消息")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.deal_id}: {self.body[:30]}"


class DealEvent(models.Model):
    """A deal's audit trail: who moved it, when, from which stage to which, and why."""

    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="events", verbose_name=_("合作意向")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=20)
    from_stage = models.CharField(_("原阶段"), max_length=16, choices=DealStage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=16, choices=DealStage.choices)
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("意向流转记录")
        verbose_name_plural = _("意向流转记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.deal_id} {self.action}: {self.from_stage} → {self.to_stage}"


class Notification(models.Model):
    """An in-site notice (站内通知) for one person; also e-mailed once (``emailed_at``)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    verb = models.CharField(_("内容"), max_length=200)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.verb
