"""People, the organisations they belong to, and the roles they hold there."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalise_credit_code, validate_credit_code, validate_region_code


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in with an e-mail address (用户)."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("电子邮箱"), unique=True)
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.email

    # Wagtail's admin shows these.
    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class OrganisationKind(models.TextChoices):
    UNIVERSITY = "university", _("高校")
    INSTITUTE = "institute", _("科研院所")
    ENTERPRISE = "enterprise", _("企业")
    SERVICE_AGENCY = "service_agency", _("服务机构")
    GOVERNMENT = "government", _("政府部门")
    OTHER = "other", _("其他")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("待认证")
    VERIFIED = "verified", _("已认证")
    REJECTED = "rejected", _("未通过")


class Organisation(models.Model):
    """An organisation (机构): university, institute, enterprise, agency or the bureau.

    Its listings go public only once bureau staff have verified it (spec §1).
    """

    name = models.CharField(_("机构名称"), max_length=120, unique=True)
    kind = models.CharField(_("机构类型"), max_length=20, choices=OrganisationKind.choices)
    region_code = models.CharField(
        _("行政区划代码"),
        max_length=12,
        validators=[validate_region_code],
        help_text=_("GB/T 2260 六位代码，例如鹿城区为 330302。"),
    )
    credit_code = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("法人单位必填：18 位，末位为校验位（GB 32100-2015）。"),
    )
    description = models.TextField(_("机构简介"), blank=True)
    website = models.URLField(_("网站"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    status = models.CharField(
        _("认证状态"),
        max_length=10,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
    )
    status_reason = models.CharField(_("认证意见"), max_length=300, blank=True)
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认证人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="organisation_credit_code_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.credit_code:
            self.credit_code = normalise_credit_code(self.credit_code)

    @property
    def is_verified(self) -> bool:
        return self.status == VerificationStatus.VERIFIED


class Role(models.TextChoices):
    RESEARCHER = "researcher", _("科研人员")
    ENTERPRISE_MEMBER = "enterprise_member", _("企业用户")
    BROKER = "broker", _("技术经纪人")
    EXPERT = "expert", _("评审专家")
    BUREAU_STAFF = "bureau_staff", _("科技局工作人员")


class Membership(models.Model):
    """A person's place in an organisation and the role it gives them (成员)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("机构"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    is_admin = models.BooleanField(_("机构管理员"), default=False)
    created_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("机构成员")
        verbose_name_plural = _("机构成员")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class OrganisationEvent(models.Model):
    """Audit trail of an organisation's verification: who changed its status, when and why."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="events", verbose_name=_("机构")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    from_status = models.CharField(_("原状态"), max_length=10, choices=VerificationStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=10, choices=VerificationStatus.choices)
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("机构认证记录")
        verbose_name_plural = _("机构认证记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.from_status} → {self.to_status}"


class MembershipRequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REFUSED = "refused", _("未同意")
    WITHDRAWN = "withdrawn", _("已撤回")


class MembershipRequest(models.Model):
    """A person asks to join an existing verified organisation (加入机构申请).

    The organisation's admin members decide, or bureau staff when it has no admin;
    approval creates the ``Membership``. One pending request per person and organisation.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.CASCADE,
        related_name="membership_requests",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("机构"),
        on_delete=models.CASCADE,
        related_name="membership_requests",
    )
    role = models.CharField(_("申请角色"), max_length=20, choices=Role.choices)
    message = models.CharField(_("申请说明"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=MembershipRequestStatus.choices,
        default=MembershipRequestStatus.PENDING,
    )
    reason = models.CharField(_("未同意原因"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    # The e-mails are sent by a Celery task after the commit; these make a repeat harmless.
    admins_emailed_at = models.DateTimeField(_("通知管理员时间"), null=True, blank=True)
    decision_emailed_at = models.DateTimeField(_("通知申请人时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("加入机构申请")
        verbose_name_plural = _("加入机构申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(status="pending"),
                name="membership_request_one_pending",
            )
        ]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation} ({self.get_status_display()})"
