"""Supply and demand listings: achievements (科技成果) and needs (技术需求), spec §3."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from marketplace.models.codelists import CooperationMode, Industry, IPType, TechField

MONEY = {"max_digits": 16, "decimal_places": 2}
MAX_KEYWORDS = 8


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已发布")
    RETURNED = "returned", _("已退回")
    ARCHIVED = "archived", _("已归档")


class Listing(models.Model):
    """What achievements and needs share: owner, classification, workflow, counters."""

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
    tech_field = models.ForeignKey(
        TechField,
        verbose_name=_("技术领域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("所属行业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    keywords = models.JSONField(
        _("关键词"), default=list, blank=True, help_text=_("最多 8 个，用逗号或空格分隔")
    )
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    status_reason = models.CharField(
        _("退回原因"), max_length=500, blank=True, help_text=_("退回时审核人员填写，发布者可见")
    )
    source_id = models.CharField(
        _("来源编号"), max_length=40, blank=True, db_index=True, help_text=_("导入记录的原始编号")
    )
    view_count = models.PositiveIntegerField(_("浏览次数"), default=0)
    inquiry_count = models.PositiveIntegerField(_("意向次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    events = GenericRelation("marketplace.ListingEvent")
    revisions = GenericRelation("marketplace.ListingRevision")
    images = GenericRelation("marketplace.ListingImage")
    attachments = GenericRelation("marketplace.ListingAttachment")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == ListingStatus.PUBLISHED


class Achievement(Listing):
    """A technology achievement offered for transfer (科技成果)."""

    summary = models.TextField(_("成果简介"), help_text=_("一段话概述成果，公开展示"))
    description = models.TextField(
        _("详细介绍"), blank=True, help_text=_("可使用粗体、列表、链接等格式")
    )
    problem = models.TextField(_("解决的问题"), blank=True)
    advantages = models.TextField(_("相比现有方案的优势"), blank=True)
    trl = models.PositiveSmallIntegerField(
        _("技术成熟度（TRL）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("1–9 级，GB/T 22900"),
    )
    cooperation_modes = models.ManyToManyField(
        CooperationMode, verbose_name=_("合作方式"), blank=True, related_name="+"
    )
    price = models.DecimalField(
        _("价格（元）"), null=True, blank=True, help_text=_("留空表示面议"), **MONEY
    )
    team = models.TextField(_("团队介绍"), blank=True)
    application_scope = models.TextField(_("应用范围"), blank=True)
    confidential_detail = models.TextField(
        _("保密信息"),
        blank=True,
        help_text=_("仅在您接受对方意向后向对方展示，例如关键工艺参数、报价依据"),
    )

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


class IPItem(models.Model):
    """One piece of intellectual property behind an achievement (知识产权)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("已申请")
        GRANTED = "granted", _("已授权")
        REGISTERED = "registered", _("已登记")
        EXPIRED = "expired", _("已失效")

    achievement = models.ForeignKey(
        Achievement, on_delete=models.CASCADE, related_name="ip_items", verbose_name=_("成果")
    )
    ip_type = models.ForeignKey(
        IPType, on_delete=models.PROTECT, related_name="+", verbose_name=_("类型")
    )
    number = models.CharField(_("编号"), max_length=60, blank=True, help_text=_("专利号或登记号"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, blank=True)

    class Meta:
        verbose_name = _("知识产权")
        verbose_name_plural = _("知识产权")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.ip_type} {self.number}".strip()


class Disclosure(models.TextChoices):
    PUBLIC = "public", _("公开企业名称")
    ANONYMOUS = "anonymous", _("匿名（隐去企业名称）")
    ON_REQUEST = "on_request", _("详情须申请查看")


class Need(Listing):
    """An enterprise's technology need (技术需求)."""

    description = models.TextField(
        _("现状与技术瓶颈"), help_text=_("目前的做法、遇到的问题、已尝试的方案")
    )
    targets = models.TextField(
        _("量化指标"), blank=True, help_text=_("希望达到的技术指标，例如：良品率≥99%")
    )
    cooperation_modes = models.ManyToManyField(
        CooperationMode, verbose_name=_("合作方式"), blank=True, related_name="+"
    )
    budget_min = models.DecimalField(_("预算下限（元）"), null=True, blank=True, **MONEY)
    budget_max = models.DecimalField(
        _("预算上限（元）"), null=True, blank=True, help_text=_("上下限都留空表示面议"), **MONEY
    )
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(
        _("有效期至"), null=True, blank=True, help_text=_("到期后自动归档")
    )
    disclosure = models.CharField(
        _("公开方式"), max_length=12, choices=Disclosure.choices, default=Disclosure.PUBLIC
    )

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
