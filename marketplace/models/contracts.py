"""Technology contracts (技术合同), registration, adjustments and the yearly target (spec §6-7).

The ledger is append-only once a contract is registered: the contract row is never
edited again, and an amendment or cancellation is a new ``ContractAdjustment`` row
that changes what is counted from its own effective date (spec §6). Who did what
is kept in ``ContractEvent``.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalise_credit_code, validate_credit_code, validate_region_code
from marketplace.models.codelists import TechField
from marketplace.models.listings import MONEY, Achievement, Need

ZERO = Decimal("0.00")
REGISTRATION_NO_RE = re.compile(r"^\d{16}$")
validate_registration_no = RegexValidator(
    REGISTRATION_NO_RE, _("登记编号应为 16 位数字。"), code="registration_no"
)


class ContractType(models.TextChoices):
    """Contract types of the technology-market statistics (spec §2).

    技术开发 has two subtypes that the registration forms distinguish, so the
    subtype is stored; an import that says only 技术开发 means 委托 (the common case).
    """

    DEVELOPMENT_COMMISSIONED = "development_commissioned", _("技术开发（委托）")
    DEVELOPMENT_COOPERATIVE = "development_cooperative", _("技术开发（合作）")
    TRANSFER = "transfer", _("技术转让")
    LICENSING = "licensing", _("技术许可")
    CONSULTING = "consulting", _("技术咨询")
    SERVICE = "service", _("技术服务")


class PaymentMethod(models.TextChoices):
    LUMP_SUM = "lump_sum", _("一次总付")
    INSTALMENTS = "instalments", _("分期支付")
    ROYALTY = "royalty", _("提成支付")


class ContractSource(models.TextChoices):
    ONLINE = "online", _("线上")
    OFFLINE = "offline", _("线下导入")


class ContractStatus(models.TextChoices):
    """Registration (认定登记): draft → submitted → registered | rejected (spec §6)."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待登记")
    REGISTERED = "registered", _("已登记")
    REJECTED = "rejected", _("不予登记")


class TechContract(models.Model):
    """A technology contract (技术合同) in the ledger, online or imported from offline.

    Amounts are yuan: 合同成交额 (``contract_amount``) and 技术交易额 (``tech_amount``,
    the contract amount less non-technical costs, never more than it). The amounts
    here are the ones registered; later amendments live in ``ContractAdjustment``.
    """

    contract_no = models.CharField(_("合同编号"), max_length=64, unique=True)
    title = models.CharField(_("合同名称"), max_length=200)
    contract_type = models.CharField(_("合同类型"), max_length=30, choices=ContractType.choices)

    seller_name = models.CharField(_("卖方名称"), max_length=120)
    seller_credit_code = models.CharField(
        _("卖方统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("自然人可不填；填写时校验末位校验位（GB 32100-2015）。"),
    )
    seller_region = models.CharField(
        _("卖方行政区划"),
        max_length=12,
        validators=[validate_region_code],
        help_text=_("6 位区县代码或 9/12 位乡镇街道代码，例如 330302。"),
    )
    buyer_name = models.CharField(_("买方名称"), max_length=120)
    buyer_credit_code = models.CharField(
        _("买方统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("自然人可不填；填写时校验末位校验位（GB 32100-2015）。"),
    )
    buyer_region = models.CharField(
        _("买方行政区划"),
        max_length=12,
        validators=[validate_region_code],
        help_text=_("6 位区县代码或 9/12 位乡镇街道代码，例如 330302。"),
    )

    signed_on = models.DateField(_("签订日期"))
    valid_from = models.DateField(_("有效期起"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    contract_amount = models.DecimalField(_("合同成交额（元）"), **MONEY)
    tech_amount = models.DecimalField(
        _("技术交易额（元）"),
        help_text=_("合同成交额扣除设备、材料、零部件等非技术性费用后的金额，不得大于合同成交额。"),
        **MONEY,
    )
    tech_field = models.ForeignKey(
        TechField,
        verbose_name=_("技术领域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payment_method = models.CharField(
        _("支付方式"), max_length=12, choices=PaymentMethod.choices, blank=True
    )
    achievement = models.ForeignKey(
        Achievement,
        verbose_name=_("来源成果"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    need = models.ForeignKey(
        Need,
        verbose_name=_("来源需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    deal = models.ForeignKey(
        "marketplace.Deal",
        verbose_name=_("来源意向"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    challenge = models.ForeignKey(
        "marketplace.Challenge",
        verbose_name=_("来源榜单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contracts",
    )
    source = models.CharField(
        _("来源"), max_length=10, choices=ContractSource.choices, default=ContractSource.ONLINE
    )

    status = models.CharField(
        _("登记状态"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    status_reason = models.CharField(
        _("不予登记原因"), max_length=500, blank=True, help_text=_("不予登记时填写，提交方可见")
    )
    registration_no = models.CharField(
        _("登记编号"), max_length=16, blank=True, validators=[validate_registration_no]
    )
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("技术合同")
        verbose_name_plural = _("技术合同")
        ordering = ["-signed_on", "-id"]
        indexes = [models.Index(fields=["status", "registered_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["registration_no"],
                condition=~Q(registration_no=""),
                name="techcontract_registration_no_unique",
            ),
            models.CheckConstraint(
                condition=Q(contract_amount__gt=ZERO) & Q(tech_amount__gt=ZERO),
                name="techcontract_amounts_positive",
            ),
            models.CheckConstraint(
                condition=Q(tech_amount__lte=F("contract_amount")),
                name="techcontract_tech_within_contract",
            ),
            # A registered contract always carries its number and date (spec §6).
            models.CheckConstraint(
                condition=~Q(status="registered")
                | (~Q(registration_no="") & Q(registered_on__isnull=False)),
                name="techcontract_registered_has_number_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_no} {self.title}"

    def clean(self) -> None:
        self.contract_no = (self.contract_no or "").strip()
        for name in ("seller_credit_code", "buyer_credit_code"):
            value = getattr(self, name)
            if value:
                setattr(self, name, normalise_credit_code(value))
        errors: dict[str, list] = {}
        if self.contract_amount is not None and self.contract_amount <= ZERO:
            errors.setdefault("contract_amount", []).append(_("合同成交额必须大于 0。"))
        if self.tech_amount is not None and self.tech_amount <= ZERO:
            errors.setdefault("tech_amount", []).append(_("技术交易额必须大于 0。"))
        if (
            self.contract_amount is not None
            and self.tech_amount is not None
            and self.tech_amount > self.contract_amount
        ):
            errors.setdefault("tech_amount", []).append(_("技术交易额不能大于合同成交额。"))
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors.setdefault("valid_until", []).append(_("有效期至不能早于有效期起。"))
        if self.status == ContractStatus.REGISTERED:
            if not self.registration_no:
                errors.setdefault("registration_no", []).append(_("已登记的合同须有登记编号。"))
            if not self.registered_on:
                errors.setdefault("registered_on", []).append(_("已登记的合同须有登记日期。"))
        if self.registered_on and self.signed_on and self.registered_on < self.signed_on:
            errors.setdefault("registered_on", []).append(_("登记日期不能早于签订日期。"))
        if errors:
            raise ValidationError(errors)

    @property
    def is_registered(self) -> bool:
        return self.status == ContractStatus.REGISTERED


class ContractEvent(models.Model):
    """Audit trail of a contract: who did what, when, the values before and after, and why."""

    contract = models.ForeignKey(
        TechContract, on_delete=models.CASCADE, related_name="events", verbose_name=_("合同")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
        help_text=_("为空表示系统（如线下导入）"),
    )
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(
        _("原状态"), max_length=12, choices=ContractStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=12, choices=ContractStatus.choices)
    before = models.JSONField(_("变更前"), default=dict, blank=True)
    after = models.JSONField(_("变更后"), default=dict, blank=True)
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("合同操作记录")
        verbose_name_plural = _("合同操作记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.contract.contract_no}: {self.action}"


class AdjustmentKind(models.TextChoices):
    AMENDMENT = "amendment", _("变更")
    CANCELLATION = "cancellation", _("注销")


class ContractAdjustment(models.Model):
    """An amendment (变更) or cancellation (注销) of a registered contract (spec §6).

    It never rewrites the contract: counting for a period uses the latest
    amendment effective by the period's end, and a cancellation effective by
    then removes the contract from the count.
    """

    contract = models.ForeignKey(
        TechContract,
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("合同"),
    )
    kind = models.CharField(_("类型"), max_length=12, choices=AdjustmentKind.choices)
    effective_on = models.DateField(_("生效日期"))
    contract_amount = models.DecimalField(
        _("变更后合同成交额（元）"), null=True, blank=True, **MONEY
    )
    tech_amount = models.DecimalField(_("变更后技术交易额（元）"), null=True, blank=True, **MONEY)
    reason = models.CharField(_("原因"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("合同变更/注销")
        verbose_name_plural = _("合同变更/注销")
        ordering = ["effective_on", "id"]
        # The dashboard's current-year reading looks adjustments up by effective date.
        indexes = [models.Index(fields=["effective_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="amendment",
                        contract_amount__gt=ZERO,
                        tech_amount__gt=ZERO,
                        tech_amount__lte=F("contract_amount"),
                    )
                    | Q(kind="cancellation", contract_amount__isnull=True, tech_amount__isnull=True)
                ),
                name="contractadjustment_amounts_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract.contract_no}: {self.get_kind_display()} {self.effective_on}"

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if self.kind == AdjustmentKind.AMENDMENT:
            for name, label in (
                ("contract_amount", _("合同成交额")),
                ("tech_amount", _("技术交易额")),
            ):
                value = getattr(self, name)
                if value is None:
                    errors.setdefault(name, []).append(
                        _("变更须填写新的%(label)s。") % {"label": label}
                    )
                elif value <= ZERO:
                    errors.setdefault(name, []).append(
                        _("%(label)s必须大于 0。") % {"label": label}
                    )
            if (
                self.contract_amount is not None
                and self.tech_amount is not None
                and self.tech_amount > self.contract_amount
            ):
                errors.setdefault("tech_amount", []).append(_("技术交易额不能大于合同成交额。"))
        elif self.contract_amount is not None or self.tech_amount is not None:
            errors.setdefault("kind", []).append(_("注销不填写金额。"))
        if not (self.reason or "").strip():
            errors.setdefault("reason", []).append(_("请填写变更或注销的原因。"))
        if errors:
            raise ValidationError(errors)


class TargetMeasure(models.TextChoices):
    TECH_AMOUNT = "tech_amount", _("技术交易额")
    CONTRACT_AMOUNT = "contract_amount", _("合同成交额")


class TargetBasis(models.TextChoices):
    EITHER = "either", _("卖方或买方在本区")
    SELLER = "seller", _("卖方在本区（输出）")
    BUYER = "buyer", _("买方在本区（吸纳）")


DEFAULT_TARGET_AMOUNT = Decimal("5000000000.00")


def default_district_code() -> str:
    # A callable, so the migration does not freeze one deployment's district.
    return settings.DISTRICT_CODE


class Target(models.Model):
    """The bureau's yearly technology-transaction target (年度技术交易目标, spec §7)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    amount = models.DecimalField(_("目标金额（元）"), default=DEFAULT_TARGET_AMOUNT, **MONEY)
    district_code = models.CharField(
        _("统计区域代码"),
        max_length=6,
        default=default_district_code,
        validators=[validate_region_code],
        help_text=_("6 位区县代码；区内街道代码一并统计。"),
    )
    measure = models.CharField(
        _("统计口径"),
        max_length=16,
        choices=TargetMeasure.choices,
        default=TargetMeasure.TECH_AMOUNT,
    )
    basis = models.CharField(
        _("统计范围"), max_length=8, choices=TargetBasis.choices, default=TargetBasis.EITHER
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("修改人"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=ZERO), name="target_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.year}"

    def clean(self) -> None:
        if self.amount is not None and self.amount <= ZERO:
            raise ValidationError({"amount": _("目标金额必须大于 0。")})
