"""The filters of the public achievement and need lists (spec §3, §5 facets).

A plain GET form: each parameter that does not validate is ignored, so a hand-edited
or stale link shows the unfiltered list instead of an error. ``apply(qs)`` narrows a
selector's queryset and orders it; the view only pages the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind
from marketplace.models import CooperationMode, MaturityStage, TechField

MAX_QUERY_LENGTH = 100
WAN = Decimal("10000")


@dataclass(frozen=True)
class Band:
    """A money band in yuan, half-open: ``low <= amount < high``; ``None`` is open-ended."""

    low: Decimal | None
    high: Decimal | None


NEGOTIABLE = "negotiable"
# 面议 / <10万 / 10–50万 / 50–100万 / ≥100万. A boundary amount belongs to the band above it.
MONEY_BANDS: dict[str, Band] = {
    "lt10": Band(None, 10 * WAN),
    "10-50": Band(10 * WAN, 50 * WAN),
    "50-100": Band(50 * WAN, 100 * WAN),
    "gte100": Band(100 * WAN, None),
}
MONEY_BAND_LABELS = [
    (NEGOTIABLE, _("面议")),
    ("lt10", _("10 万元以下")),
    ("10-50", _("10–50 万元")),
    ("50-100", _("50–100 万元")),
    ("gte100", _("100 万元以上")),
]


def money_bands(low: Decimal | None, high: Decimal | None) -> list[str]:
    """The bands an amount (``low == high``) or a budget range overlaps, as the list filters
    select them (``filter_money``); ``[NEGOTIABLE]`` when neither end is given."""
    if low is None and high is None:
        return [NEGOTIABLE]
    return [
        key
        for key, band in MONEY_BANDS.items()
        if (band.high is None or low is None or low < band.high)
        and (band.low is None or high is None or high >= band.low)
    ]


REGION_IN = "in"
REGION_OUT = "out"


def district_prefix(district_code: str) -> str:
    """The code prefix shared by a district and every division under it.

    Same rule as ``accounts.validators.region_within`` (GB/T 2260 codes nest by
    prefix; trailing "00" pairs mark the level), as a prefix a query can use.
    """
    prefix = district_code
    while len(prefix) > 2 and prefix.endswith("00"):
        prefix = prefix[:-2]
    return prefix


class CodeChoiceField(forms.ModelChoiceField):
    """A code-list select that rejects a malformed id before it reaches the database."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = str(value).strip()
        if not value.isascii() or not value.isdigit() or len(value) > 9:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


def stage_label(stage: MaturityStage) -> str:
    """A maturity stage with the TRL band it stands for: 小试（TRL 4–5）."""
    if stage.trl_min == stage.trl_max:
        return f"{stage.name}（TRL {stage.trl_min}）"
    return f"{stage.name}（TRL {stage.trl_min}–{stage.trl_max}）"


class StageChoiceField(CodeChoiceField):
    """Maturity stages shown with the TRL band each one stands for."""

    def label_from_instance(self, obj: MaturityStage) -> str:
        return stage_label(obj)


class ListingFilter(forms.Form):
    """Filters both lists share. Subclasses add the money band and the sort orders."""

    FILTER_FIELDS: tuple[str, ...] = ("q", "field", "mode", "money", "org_kind", "region")
    SEARCH_FIELDS: tuple[str, ...] = ("title",)
    SORTS: dict[str, tuple] = {}

    q = forms.CharField(
        label=_("关键词"),
        required=False,
        widget=forms.SearchInput(attrs={"placeholder": _("标题、简介中的词")}),
    )
    field = CodeChoiceField(
        label=_("技术领域"),
        queryset=TechField.objects.active().filter(parent=None),
        required=False,
        empty_label=_("全部领域"),
    )
    mode = CodeChoiceField(
        label=_("合作方式"),
        queryset=CooperationMode.objects.active(),
        required=False,
        empty_label=_("全部方式"),
    )
    org_kind = forms.ChoiceField(
        label=_("机构类型"),
        choices=[("", _("全部类型")), *OrganisationKind.choices],
        required=False,
    )
    region = forms.ChoiceField(
        label=_("所在地区"),
        choices=[("", _("不限")), (REGION_IN, _("本区")), (REGION_OUT, _("区外"))],
        required=False,
    )
    sort = forms.ChoiceField(label=_("排序"), required=False)

    def __init__(self, data=None, **kwargs):
        kwargs.setdefault("auto_id", "filter-%s")
        super().__init__(data if data is not None else QueryDict(), **kwargs)
        self.fields["sort"].choices = [(key, label) for key, (label, _o) in self.SORTS.items()]
        # Parameters that do not validate are ignored: dropped from the data (which page
        # links are built from) and the form cleaned again, so they neither filter nor
        # come back marked as errors.
        self.ignored = sorted(self.errors) if not self.is_valid() else []
        if self.ignored:
            self.data = self.data.copy()
            for name in self.ignored:
                self.data.pop(name, None)
            self.full_clean()

    def clean_q(self) -> str:
        # Collapse whitespace and cap the length: a keyword box, not a document.
        return " ".join(self.cleaned_data.get("q", "").split())[:MAX_QUERY_LENGTH]

    def value(self, name: str):
        """The cleaned value of a parameter, or None when it was missing or invalid."""
        return self.cleaned_data.get(name) or None

    @property
    def active_count(self) -> int:
        return sum(1 for name in self.FILTER_FIELDS if self.value(name) is not None)

    @property
    def sort_key(self) -> str:
        return self.value("sort") or next(iter(self.SORTS))

    def apply(self, qs: QuerySet) -> QuerySet:
        if words := self.value("q"):
            for word in words.split():
                match = Q()
                for name in self.SEARCH_FIELDS:
                    match |= Q(**{f"{name}__icontains": word})
                qs = qs.filter(match)
        if top := self.value("field"):
            qs = qs.filter(Q(tech_field_id=top.pk) | Q(tech_field__parent_id=top.pk))
        if mode := self.value("mode"):
            qs = qs.filter(cooperation_modes=mode)
        if band := self.value("money"):
            qs = self.filter_money(qs, band)
        if kind := self.value("org_kind"):
            qs = qs.filter(organisation__kind=kind)
        if region := self.value("region"):
            in_district = Q(
                organisation__region_code__startswith=district_prefix(settings.DISTRICT_CODE)
            )
            qs = qs.filter(in_district) if region == REGION_IN else qs.exclude(in_district)
        _label, ordering = self.SORTS[self.sort_key]
        return qs.order_by(*ordering)

    def filter_money(self, qs: QuerySet, band: str) -> QuerySet:
        raise NotImplementedError


NEWEST = (F("published_at").desc(nulls_last=True), "-id")


class AchievementFilter(ListingFilter):
    FILTER_FIELDS = (*ListingFilter.FILTER_FIELDS, "stage")
    SEARCH_FIELDS = ("title", "summary", "description")
    SORTS = {
        "newest": (_("最新发布"), NEWEST),
        "views": (_("浏览最多"), ("-view_count", *NEWEST)),
        "price_desc": (_("价格从高到低"), (F("price").desc(nulls_last=True), *NEWEST)),
        "price_asc": (_("价格从低到高"), (F("price").asc(nulls_last=True), *NEWEST)),
    }

    stage = StageChoiceField(
        label=_("技术成熟度"),
        queryset=MaturityStage.objects.active(),
        required=False,
        empty_label=_("全部阶段"),
    )
    money = forms.ChoiceField(
        label=_("价格"), choices=[("", _("不限")), *MONEY_BAND_LABELS], required=False
    )
    field_order = ["q", "field", "stage", "mode", "money", "org_kind", "region", "sort"]

    def apply(self, qs: QuerySet) -> QuerySet:
        qs = super().apply(qs)
        if stage := self.value("stage"):
            qs = qs.filter(trl__gte=stage.trl_min, trl__lte=stage.trl_max)
        return qs

    def filter_money(self, qs: QuerySet, band: str) -> QuerySet:
        if band == NEGOTIABLE:
            return qs.filter(price__isnull=True)
        limits = MONEY_BANDS[band]
        if limits.low is not None:
            qs = qs.filter(price__gte=limits.low)
        if limits.high is not None:
            qs = qs.filter(price__lt=limits.high)
        return qs.filter(price__isnull=False)


class NeedFilter(ListingFilter):
    SEARCH_FIELDS = ("title", "description", "targets")
    SORTS = {
        "newest": (_("最新发布"), NEWEST),
        "views": (_("浏览最多"), ("-view_count", *NEWEST)),
        # A range sorts by its upper end going down and by its lower end going up.
        "budget_desc": (
            _("预算从高到低"),
            (Coalesce("budget_max", "budget_min").desc(nulls_last=True), *NEWEST),
        ),
        "budget_asc": (
            _("预算从低到高"),
            (Coalesce("budget_min", "budget_max").asc(nulls_last=True), *NEWEST),
        ),
    }

    money = forms.ChoiceField(
        label=_("预算"), choices=[("", _("不限")), *MONEY_BAND_LABELS], required=False
    )
    field_order = ["q", "field", "mode", "money", "org_kind", "region", "sort"]

    def filter_money(self, qs: QuerySet, band: str) -> QuerySet:
        """A need is in a band when its budget range overlaps it; an open end reaches on."""
        if band == NEGOTIABLE:
            return qs.filter(budget_min__isnull=True, budget_max__isnull=True)
        limits = MONEY_BANDS[band]
        qs = qs.exclude(budget_min__isnull=True, budget_max__isnull=True)
        if limits.low is not None:
            qs = qs.filter(Q(budget_max__isnull=True) | Q(budget_max__gte=limits.low))
        if limits.high is not None:
            qs = qs.filter(Q(budget_min__isnull=True) | Q(budget_min__lt=limits.high))
        return qs
