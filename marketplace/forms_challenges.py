"""Forms of the challenge pages. They check values only; every rule is in the challenge services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lib.forms import IdsChoiceField
from marketplace.forms import _KEYWORD_SPLIT, GroupedModelChoiceField
from marketplace.models import (
    MAX_KEYWORDS,
    Challenge,
    ChallengeApplication,
    ChallengeCriterion,
    ChallengeKPI,
    Industry,
    TechField,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _pdf(upload):
    if upload:
        from marketplace.uploads import validate_pdf

        validate_pdf(upload)
    return upload


# The order a person fills the form in: what and who, the problem, the money, the dates, rules.
FIELD_ORDER = [
    "organisation",
    "title",
    "tech_field",
    "industry",
    "keywords_text",
    "background",
    "research_content",
    "deliverables",
    "bounty_enterprise",
    "bounty_subsidy",
    "application_deadline",
    "execution_start",
    "execution_end",
    "eligibility",
    "required_materials",
    "contact_name",
    "contact_phone",
    "contact_email",
    "attachment",
    "attachment_title",
]


class ChallengeForm(forms.ModelForm):
    """The challenge itself; KPIs and criteria come in their own formsets."""

    organisation = forms.ModelChoiceField(queryset=None, label=_("发榜单位"))
    application_deadline = forms.DateTimeField(
        label=_("申报截止时间"),
        required=False,
        input_formats=DATETIME_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("北京时间；提交审核时须晚于当前时间，截止后不再接受申请"),
    )
    keywords_text = forms.CharField(
        label=_("关键词"), required=False, help_text=_("最多 8 个，用逗号、顿号或空格分隔")
    )
    attachment = forms.FileField(
        label=_("PDF 附件"), required=False, help_text=_("仅限 PDF，≤ 20 MB")
    )
    attachment_title = forms.CharField(label=_("附件名称"), max_length=120, required=False)

    class Meta:
        model = Challenge
        fields = [
            "title",
            "background",
            "research_content",
            "deliverables",
            "bounty_enterprise",
            "bounty_subsidy",
            "execution_start",
            "execution_end",
            "application_deadline",
            "eligibility",
            "required_materials",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "background": forms.Textarea(attrs={"rows": 4}),
            "research_content": forms.Textarea(attrs={"rows": 5}),
            "deliverables": forms.Textarea(attrs={"rows": 3}),
            "eligibility": forms.Textarea(attrs={"rows": 3}),
            "required_materials": forms.Textarea(attrs={"rows": 3}),
            "execution_start": DateInput(),
            "execution_end": DateInput(),
        }
        help_texts = {
            "bounty_enterprise": _("单位：元"),
            "bounty_subsidy": _("单位：元；没有政府补助填 0"),
        }

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = list(organisations)
        if self.instance.pk:
            # The issuer of an existing challenge never changes.
            del self.fields["organisation"]
            self.fields["keywords_text"].initial = "，".join(self.instance.keywords or [])
        else:
            self.fields["organisation"].queryset = type(organisations[0]).objects.filter(
                pk__in=[o.pk for o in organisations]
            )
            if len(organisations) == 1:
                self.fields["organisation"].initial = organisations[0].pk
                self.fields["organisation"].widget = forms.HiddenInput()
        self.fields["tech_field"] = GroupedModelChoiceField(
            queryset=TechField.objects.active(),
            required=False,
            label=_("技术领域"),
            initial=self.instance.tech_field_id,
        )
        self.fields["tech_field"]._set_choices()
        self.fields["industry"] = GroupedModelChoiceField(
            queryset=Industry.objects.active(),
            required=False,
            label=_("所属行业"),
            initial=self.instance.industry_id,
        )
        self.fields["industry"]._set_choices()
        for name in ("bounty_enterprise", "bounty_subsidy"):
            self.fields[name].required = False
            self.fields[name].min_value = Decimal("0")
        self.order_fields(FIELD_ORDER)

    def clean_keywords_text(self) -> list[str]:
        words: list[str] = []
        for word in _KEYWORD_SPLIT.split(self.cleaned_data.get("keywords_text") or ""):
            if word and word not in words:
                words.append(word)
        if len(words) > MAX_KEYWORDS:
            raise forms.ValidationError(
                _("关键词最多 %(max)d 个，您填写了 %(n)d 个。"),
                params={"max": MAX_KEYWORDS, "n": len(words)},
            )
        if any(len(w) > 20 for w in words):
            raise forms.ValidationError(_("每个关键词不超过 20 个字。"))
        return words

    def clean_attachment(self):
        return _pdf(self.cleaned_data.get("attachment"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ("bounty_enterprise", "bounty_subsidy"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("金额不能为负数。"))
        start, end = cleaned.get("execution_start"), cleaned.get("execution_end")
        if start and end and end < start:
            self.add_error("execution_end", _("实施期止不能早于实施期起。"))
        return cleaned

    def _post_clean(self):
        # The services validate the model; the form does not half-apply values to the instance.
        pass

    def challenge_data(self) -> dict[str, Any]:
        """The values the challenge services take (no files, no organisation)."""
        data = {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}
        data["keywords"] = self.cleaned_data.get("keywords_text", [])
        data["tech_field"] = self.cleaned_data.get("tech_field")
        data["industry"] = self.cleaned_data.get("industry")
        return data


class KPIForm(forms.Form):
    indicator = forms.CharField(label=_("指标名称"), max_length=200, required=False)
    comparator = forms.ChoiceField(
        label=_("比较"), choices=ChallengeKPI.Comparator.choices, required=False
    )
    target_value = forms.DecimalField(
        label=_("目标值"), max_digits=20, decimal_places=4, required=False
    )
    unit = forms.CharField(label=_("单位"), max_length=30, required=False)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("target_value") is not None or cleaned.get("unit")) and not cleaned.get(
            "indicator"
        ):
            self.add_error("indicator", _("请填写指标名称。"))
        return cleaned


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("评审指标"), max_length=100, required=False)
    weight = forms.IntegerField(label=_("权重（%）"), min_value=1, max_value=100, required=False)
    description = forms.CharField(label=_("评分说明"), max_length=300, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name") and cleaned.get("weight") is None:
            self.add_error("weight", _("请填写该指标的权重。"))
        if cleaned.get("weight") is not None and not cleaned.get("name"):
            self.add_error("name", _("请填写评审指标名称。"))
        return cleaned


KPIFormSet = forms.formset_factory(KPIForm, extra=2, max_num=20, validate_max=True, can_delete=True)
CriterionFormSet = forms.formset_factory(
    CriterionForm, extra=2, max_num=12, validate_max=True, can_delete=True
)


def _kept(formset) -> list[dict]:
    return [
        f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def kpis_data(formset) -> list[dict]:
    return [
        {
            "indicator": d["indicator"],
            "comparator": d.get("comparator") or ChallengeKPI.Comparator.AT_LEAST,
            "target_value": d.get("target_value"),
            "unit": d.get("unit", ""),
        }
        for d in _kept(formset)
        if d.get("indicator")
    ]


def criteria_data(formset) -> list[dict]:
    return [
        {"name": d["name"], "weight": d["weight"], "description": d.get("description", "")}
        for d in _kept(formset)
        if d.get("name")
    ]


def kpi_initial(challenge: Challenge | None) -> list[dict]:
    if challenge is None:
        return []
    return [
        {
            "indicator": k.indicator,
            "comparator": k.comparator,
            "target_value": k.target_value.normalize() if k.target_value is not None else None,
            "unit": k.unit,
        }
        for k in challenge.kpis.all()
    ]


def criterion_initial(challenge: Challenge | None) -> list[dict]:
    if challenge is None:
        return [
            {"name": _("技术方案的先进性与可行性"), "weight": 40},
            {"name": _("团队能力与研究基础"), "weight": 30},
            {"name": _("经费预算与进度安排的合理性"), "weight": 30},
        ]
    return [
        {"name": c.name, "weight": c.weight, "description": c.description}
        for c in challenge.criteria.all()
    ]


class ApplicationForm(forms.ModelForm):
    organisation = forms.TypedChoiceField(
        label=_("揭榜单位"), coerce=int, required=False, empty_value=None
    )
    proposal_file = forms.FileField(
        label=_("方案附件（PDF）"),
        required=False,
        help_text=_("仅限 PDF，≤ 20 MB；重新上传将替换原文件"),
    )

    class Meta:
        model = ChallengeApplication
        fields = ["team_lead", "team_members", "proposal", "budget", "milestones"]
        widgets = {
            "team_members": forms.Textarea(attrs={"rows": 3}),
            "proposal": forms.Textarea(attrs={"rows": 8}),
            "milestones": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"budget": _("单位：元")}

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        if self.instance.pk or len(organisations) <= 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            if organisations:
                self.fields["organisation"].initial = organisations[0].pk

    def clean_proposal_file(self):
        return _pdf(self.cleaned_data.get("proposal_file"))

    def clean_budget(self):
        budget = self.cleaned_data.get("budget")
        if budget is not None and budget <= 0:
            raise forms.ValidationError(_("经费预算须大于 0。"))
        return budget

    def _post_clean(self):
        pass

    def application_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self._meta.fields}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写原因。")},
    )

    def __init__(self, *args, label=None, help_text="", **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class NoteForm(forms.Form):
    reason = forms.CharField(
        label=_("验收意见"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScoreForm(forms.Form):
    """One field per criterion, 0–100."""

    def __init__(self, *args, criteria: list[ChallengeCriterion], initial_scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_scores = initial_scores or {}
        for criterion in criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.IntegerField(
                label=f"{criterion.name}（{criterion.weight}%）",
                min_value=0,
                max_value=100,
                initial=initial_scores.get(criterion.pk),
                help_text=criterion.description,
                error_messages={"required": _("请为该指标打分（0–100）。")},
            )
        self.criteria = criteria

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("利益冲突说明"),
        max_length=300,
        help_text=_("例如：与申请单位同属一个单位，或近三年有合作关系"),
        error_messages={"required": _("请说明利益冲突的情况。")},
    )


class AssignExpertForm(forms.Form):
    expert = forms.ModelChoiceField(label=_("评审专家"), queryset=None)

    def __init__(self, *args, experts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts


class WinnersForm(forms.Form):
    winners = IdsChoiceField(
        label=_("揭榜单位"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个揭榜单位。")},
    )

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["winners"].queryset = applications
        self.fields["winners"].label_from_instance = lambda a: a.organisation.name


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("节点名称"), max_length=200)
    due_on = forms.DateField(label=_("计划完成日期"), widget=DateInput())


class MilestoneDoneForm(forms.Form):
    evidence = forms.CharField(
        label=_("完成情况"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写完成情况，说明达到的指标与佐证材料。")},
    )
    evidence_file = forms.FileField(label=_("佐证材料（PDF）"), required=False)

    def clean_evidence_file(self):
        return _pdf(self.cleaned_data.get("evidence_file"))
