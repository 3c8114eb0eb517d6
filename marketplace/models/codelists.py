"""Code lists (spec §2): seeded by migration, extendable by bureau staff in the admin."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CodeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class CodeList(models.Model):
    name = models.CharField(_("名称"), max_length=60)
    aliases = models.JSONField(
        _("别名"), default=list, blank=True, help_text=_("导入数据时可识别的其他写法")
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = CodeQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class TechField(CodeList):
    """Technology field (技术领域): the 11 national fields and their subfields."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级领域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta(CodeList.Meta):
        verbose_name = _("技术领域")
        verbose_name_plural = _("技术领域")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="techfield_unique_in_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(parent=None), name="techfield_top_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def top(self) -> TechField:
        return self.parent if self.parent_id else self


class Industry(CodeList):
    """Industry (国民经济行业, GB/T 4754): sections A–T and their divisions."""

    code = models.CharField(_("代码"), max_length=8, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("门类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta(CodeList.Meta):
        verbose_name = _("行业")
        verbose_name_plural = _("行业")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="industry_unique_in_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class MaturityStage(CodeList):
    """A stage word (研发阶段, 小试 …) and the TRL range it means (GB/T 22900)."""

    trl_min = models.PositiveSmallIntegerField(
        _("TRL 下限"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    trl_max = models.PositiveSmallIntegerField(
        _("TRL 上限"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )

    class Meta(CodeList.Meta):
        verbose_name = _("成熟度阶段")
        verbose_name_plural = _("成熟度阶段")


class CooperationMode(CodeList):
    """Cooperation mode (合作方式)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)

    class Meta(CodeList.Meta):
        verbose_name = _("合作方式")
        verbose_name_plural = _("合作方式")


class IPType(CodeList):
    """Intellectual-property type (知识产权类型)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)

    class Meta(CodeList.Meta):
        verbose_name = _("知识产权类型")
        verbose_name_plural = _("知识产权类型")
