"""Open competitions (揭榜挂帅), spec §4.

A challenge is a need with a bounty and a governed process: draft → under review
→ published (发榜) → applications closed → evaluation (评审) → result publicised
(公示) → awarded (揭榜成功) → in execution (攻关) → accepted (验收通过) | failed, or
cancelled with a reason before the award. Every move is kept in ``ChallengeEvent``,
which is the public timeline. Applications (揭榜申请) are private to the applicant,
the issuer, the assigned experts and the bureau; experts score blind.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from marketplace.models.codelists import Industry, TechField
from marketplace.models.listings import MONEY, Need

ZERO = Decimal("0.00")

__all__ = [
    "CANCELLABLE_STATUSES",
    "PUBLIC_STATUSES",
    "ApplicationStatus",
    "Challenge",
    "ChallengeApplication",
    "ChallengeAttachment",
    "ChallengeCriterion",
    "ChallengeEvent",
    "ChallengeKPI",
    "ChallengeMilestone",
    "ChallengeStatus",
    "ExpertAssignment",
    "ExpertConflict",
    "ExpertScore",
]


def default_publicity_days() -> int:
    # A callable, so the migration does not freeze one deployment's setting.
    return settings.CHALLENGE_PUBLICITY_DAYS


def challenge_file_path(instance, filename: str) -> str:
    # Random names only (spec §11); only PDFs are accepted, whatever the upload was called.
    return f"challenge-files/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.pdf"


class ChallengeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    UNDER_REVIEW = "under_review", _("待审核")
    PUBLISHED = "published", _("已发榜")
    CLOSED = "closed", _("申报截止")
    EVALUATION = "evaluation", _("评审中")
    PUBLICISED = "publicised", _("结果公示中")
    AWARDED = "awarded", _("揭榜成功")
    IN_EXECUTION = "in_execution", _("攻关中")
    ACCEPTED = "accepted", _("验收通过")
    FAILED = "failed", _("验收未通过")
    CANCELLED = "cancelled", _("已撤榜")


# Shown to the public: everything from publication on (a cancelled challenge keeps its page
# when it had been published, so the timeline explains what happened).
PUBLIC_STATUSES = (
    ChallengeStatus.PUBLISHED,
    ChallengeStatus.CLOSED,
    ChallengeStatus.EVALUATION,
    ChallengeStatus.PUBLICISED,
    ChallengeStatus.AWARDED,
    ChallengeStatus.IN_EXECUTION,
    ChallengeStatus.ACCEPTED,
    ChallengeStatus.FAILED,
)
# "Before award" (spec §4): a challenge in one of these may be cancelled.
CANCELLABLE_STATUSES = (
    ChallengeStatus.DRAFT,
    ChallengeStatus.UNDER_REVIEW,
    ChallengeStatus.PUBLISHED,
    ChallengeStatus.CLOSED,
    ChallengeStatus.EVALUATION,
    ChallengeStatus.PUBLICISED,
)


class Challenge(models.Model):
    """An open competition (揭榜挂帅榜单) issued by an enterprise, or by the bureau for it."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("发榜单位"),
        on_delete=models.PROTECT,
        related_name="challenges",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_by_bureau = models.BooleanField(
        _("科技局代为发榜"), default=False, help_text=_("由科技局工作人员代企业创建")
    )
    source_need = models.ForeignKey(
        Need,
        verbose_name=_("来源需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="challenges",
    )
    title = models.CharField(_("榜单名称"), max_length=200)
    background = models.TextField(_("需求背景"))
    research_content = models.TextField(_("攻关内容"))
    deliverables = models.TextField(_("交付成果"), blank=True)
    execution_start = models.DateField(_("实施期起"), null=True, blank=True)
    execution_end = models.DateField(_("实施期止"), null=True, blank=True)
    bounty_enterprise = models.DecimalField(
        _("企业出资（元）"), default=ZERO, validators=[MinValueValidator(ZERO)], **MONEY
    )
    bounty_subsidy = models.DecimalField(
        _("政府补助（元）"), default=ZERO, validators=[MinValueValidator(ZERO)], **MONEY
    )
    eligibility = models.TextField(_("揭榜条件"), blank=True)
    required_materials = models.TextField(_("申报材料要求"), blank=True)
    application_deadline = models.DateTimeField(_("申报截止时间"), null=True, blank=True)
    publicity_days = models.PositiveSmallIntegerField(
        _("公示天数"), default=default_publicity_days, validators=[MaxValueValidator(60)]
    )
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
        _("状态"), max_length=16, choices=ChallengeStatus.choices, default=ChallengeStatus.DRAFT
    )
    status_reason = models.CharField(
        _("说明"), max_length=500, blank=True, help_text=_("退回、撤榜或验收未通过的原因")
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发榜时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    publicised_at = models.DateTimeField(_("公示开始时间"), null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("公示结束时间"), null=True, blank=True)
    awarded_at = models.DateTimeField(_("揭榜时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结题时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("撤榜时间"), null=True, blank=True)
    # The "deadline approaching" notice goes out once (spec §4 notifications).
    deadline_reminded_at = models.DateTimeField(_("截止提醒时间"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("浏览次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("揭榜挂帅榜单")
        verbose_name_plural = _("揭榜挂帅榜单")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            models.Index(fields=["status", "application_deadline"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(bounty_enterprise__gte=ZERO) & Q(bounty_subsidy__gte=ZERO),
                name="challenge_bounty_shares_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(execution_start__isnull=True)
                | Q(execution_end__isnull=True)
                | Q(execution_start__lte=F("execution_end")),
                name="challenge_execution_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("marketplace:challenge_detail", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, list] = {}
        if (
            self.execution_start
            and self.execution_end
            and self.execution_end < self.execution_start
        ):
            errors["execution_end"] = [_("实施期止不能早于实施期起。")]
        if errors:
            raise ValidationError(errors)

    @property
    def bounty_total(self) -> Decimal:
        """榜金: always the sum of the two shares, never typed (selectors annotate the same)."""
        return (self.bounty_enterprise or ZERO) + (self.bounty_subsidy or ZERO)

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES or (
            self.status == ChallengeStatus.CANCELLED and self.published_at is not None
        )


class ChallengeKPI(models.Model):
    """A quantified target of a challenge (考核指标): indicator, comparator, value, unit."""

    class Comparator(models.TextChoices):
        AT_LEAST = "gte", "≥"
        AT_MOST = "lte", "≤"
        EQUAL = "eq", "="

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="kpis", verbose_name=_("榜单")
    )
    indicator = models.CharField(_("指标名称"), max_length=200)
    comparator = models.CharField(
        _("比较"), max_length=3, choices=Comparator.choices, default=Comparator.AT_LEAST
    )
    # Empty for a qualitative indicator; the checklist needs at least one with a value.
    target_value = models.DecimalField(
        _("目标值"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField(_("单位"), max_length=30, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        if self.target_value is None:
            return self.indicator
        value = self.target_value.normalize()
        value = value.quantize(Decimal(1)) if value == value.to_integral() else value
        return f"{self.indicator} {self.get_comparator_display()} {value}{self.unit}"

    @property
    def is_quantified(self) -> bool:
        return self.target_value is not None


class ChallengeCriterion(models.Model):
    """An evaluation criterion (评审指标) with its weight; a challenge's weights sum to 100."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("榜单")
    )
    name = models.CharField(_("评审指标"), max_length=100)
    description = models.CharField(_("评分说明"), max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("权重（%）"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("评审指标")
        verbose_name_plural = _("评审指标")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight}%)"


class ChallengeAttachment(models.Model):
    """A PDF attached to a challenge (榜单附件), public with the challenge."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("榜单")
    )
    file = models.FileField(_("文件"), upload_to=challenge_file_path)
    title = models.CharField(_("文件名称"), max_length=120)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("榜单附件")
        verbose_name_plural = _("榜单附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class ChallengeEvent(models.Model):
    """One move of a challenge: who, when, from, to, why. Shown as the public timeline."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="events", verbose_name=_("榜单")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("为空表示系统（如到期自动截止）"),
    )
    action = models.CharField(_("操作"), max_length=20)
    from_status = models.CharField(
        _("原状态"), max_length=16, choices=ChallengeStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=16, choices=ChallengeStatus.choices)
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("榜单流转记录")
        verbose_name_plural = _("榜单流转记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.challenge_id} {self.action}: {self.from_status} → {self.to_status}"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    WITHDRAWN = "withdrawn", _("已撤回")


class ChallengeApplication(models.Model):
    """An application to a challenge (揭榜申请), one per organisation per challenge."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="applications", verbose_name=_("榜单")
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("揭榜单位"),
        on_delete=models.PROTECT,
        related_name="challenge_applications",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team_lead = models.CharField(_("团队负责人"), max_length=60)
    team_members = models.TextField(
        _("团队成员"), blank=True, help_text=_("每行一位：姓名、单位、职称、分工")
    )
    proposal = models.TextField(_("技术方案"))
    proposal_file = models.FileField(
        _("方案附件（PDF）"), upload_to=challenge_file_path, blank=True
    )
    proposal_file_name = models.CharField(_("附件名称"), max_length=120, blank=True)
    budget = models.DecimalField(
        _("经费预算（元）"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    milestones = models.TextField(
        _("进度安排"), blank=True, help_text=_("每行一个节点：时间与目标")
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    # Set when staff confirm the winners (result publicised); frozen from then on.
    final_score = models.DecimalField(
        _("综合得分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    is_winner = models.BooleanField(_("揭榜成功"), default=False)
    award_amount = models.DecimalField(_("揭榜金额（元）"), null=True, blank=True, **MONEY)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("揭榜申请")
        verbose_name_plural = _("揭榜申请")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "organisation"], name="challengeapplication_one_per_org"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.challenge}"

    def get_absolute_url(self) -> str:
        return reverse("marketplace:challenge_application", args=[self.challenge_id, self.pk])


class ExpertAssignment(models.Model):
    """An expert (评审专家) invited by the bureau to review a challenge's applications."""

    challenge = models.ForeignKey(
        Challenge,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("榜单"),
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评审专家"),
        on_delete=models.PROTECT,
        related_name="challenge_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("指派时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评审专家指派")
        verbose_name_plural = _("评审专家指派")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "expert"], name="expertassignment_one_per_expert"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert} @ {self.challenge}"


class ExpertConflict(models.Model):
    """A conflict of interest (利益冲突) an expert declared on one application: no score there."""

    assignment = models.ForeignKey(
        ExpertAssignment,
        on_delete=models.CASCADE,
        related_name="conflicts",
        verbose_name=_("评审专家指派"),
    )
    application = models.ForeignKey(
        ChallengeApplication,
        on_delete=models.CASCADE,
        related_name="conflicts",
        verbose_name=_("揭榜申请"),
    )
    reason = models.CharField(_("回避原因"), max_length=300)
    created_at = models.DateTimeField(_("声明时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("利益冲突声明")
        verbose_name_plural = _("利益冲突声明")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "application"], name="expertconflict_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} ≠ {self.application}"


class ExpertScore(models.Model):
    """One expert's score (0–100) of one application on one criterion."""

    assignment = models.ForeignKey(
        ExpertAssignment,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("评审专家指派"),
    )
    application = models.ForeignKey(
        ChallengeApplication,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("揭榜申请"),
    )
    criterion = models.ForeignKey(
        ChallengeCriterion,
        on_delete=models.CASCADE,
        related_name="scores",
        verbose_name=_("评审指标"),
    )
    score = models.PositiveSmallIntegerField(
        _("得分"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    updated_at = models.DateTimeField(_("评分时间"), auto_now=True)

    class Meta:
        verbose_name = _("专家评分")
        verbose_name_plural = _("专家评分")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "application", "criterion"], name="expertscore_unique"
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="expertscore_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} {self.criterion}: {self.score}"


class ChallengeMilestone(models.Model):
    """A milestone of the execution phase (攻关节点): due date, evidence, done."""

    challenge = models.ForeignKey(
        Challenge, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("榜单")
    )
    title = models.CharField(_("节点名称"), max_length=200)
    due_on = models.DateField(_("计划完成日期"))
    evidence = models.TextField(_("完成情况"), blank=True)
    evidence_file = models.FileField(
        _("佐证材料（PDF）"), upload_to=challenge_file_path, blank=True
    )
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("攻关节点")
        verbose_name_plural = _("攻关节点")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title
