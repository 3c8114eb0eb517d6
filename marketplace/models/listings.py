"""Supply and demand listings: achievements (科技成果) and needs (技术需求).

The listings issue grows these into the full spec §3 (code lists, revisions,
images, attachments); the foundation already stores the real demo corpus here.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已发布")
    RETURNED = "returned", _("已退回")
    ARCHIVED = "archived", _("已归档")


MONEY = {"max_digits": 16, "decimal_places": 2}


class Listing(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("标题"), max_length=200)
    tech_field = models.CharField(_("技术领域"), max_length=60, blank=True)
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    cooperation_modes = models.JSONField(_("合作方式"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    source_id = models.CharField(
        _("来源编号"), max_length=40, blank=True, db_index=True, help_text=_("导入记录的原始编号")
    )
    view_count = models.PositiveIntegerField(_("浏览次数"), default=0)
    inquiry_count = models.PositiveIntegerField(_("意向次数"), default=0)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title


class Achievement(Listing):
    """A technology achievement offered for transfer (科技成果)."""

    summary = models.TextField(_("成果简介"))
    description = models.TextField(_("详细介绍"), blank=True)
    trl = models.PositiveSmallIntegerField(
        _("技术成熟度（TRL）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    ip_type = models.CharField(_("知识产权类型"), max_length=20, blank=True)
    price = models.DecimalField(_("价格（元）"), null=True, blank=True, **MONEY)
    application_scope = models.TextField(_("应用范围"), blank=True)

    class Meta:
        verbose_name = _("科技成果")
        verbose_name_plural = _("科技成果")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "-published_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_id"],
                condition=~models.Q(source_id=""),
                name="achievement_source_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gt=Decimal("0")),
                name="achievement_price_positive",
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("marketplace:achievement_detail", args=[self.pk])

    @property
    def is_negotiable(self) -> bool:
        return self.price is None


class Need(Listing):
    """An enterprise's technology need (技术需求)."""

    description = models.TextField(_("需求描述"))
    budget_min = models.DecimalField(_("预算下限（元）"), null=True, blank=True, **MONEY)
    budget_max = models.DecimalField(_("预算上限（元）"), null=True, blank=True, **MONEY)
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("技术需求")
        verbose_name_plural = _("技术需求")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "-published_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_id"],
                condition=~models.Q(source_id=""),
                name="need_source_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_min__lte=models.F("budget_max")),
                name="need_budget_range_ordered",
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("marketplace:need_detail", args=[self.pk])

    @property
    def is_negotiable(self) -> bool:
        return self.budget_min is None and self.budget_max is None
