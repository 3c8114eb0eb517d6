"""Owners' forms for achievements and needs. Validation of values only; rules are in services."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from lib.forms import IdsChoiceField
from marketplace.models import (
    MAX_KEYWORDS,
    Achievement,
    CooperationMode,
    Industry,
    IPItem,
    IPType,
    MaturityStage,
    Need,
    TechField,
)

_KEYWORD_SPLIT = re.compile(r"[,，、;；\s]+")


class GroupedModelChoiceField(forms.ModelChoiceField):
    """A select of a two-level code list: top levels as option groups."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset=queryset, **kwargs)

    def _grouped(self):
        rows = list(self.queryset.select_related("parent"))
        tops = [r for r in rows if r.parent_id is None]
        children: dict[int, list] = {}
        for r in rows:
            if r.parent_id:
                children.setdefault(r.parent_id, []).append(r)
        choices = [("", "---------")]
        for top in tops:
            group = [(top.pk, _("%(name)s（全部）") % {"name": top.name})]
            group += [(c.pk, c.name) for c in children.get(top.pk, [])]
            choices.append((top.name, group))
        return choices

    def _set_choices(self):
        self.widget.choices = self._grouped()


def _trl_choices():
    stages = list(MaturityStage.objects.active())
    choices = [("", _("未填写"))]
    for level in range(1, 10):
        stage = next((s.name for s in stages if s.trl_min <= level <= s.trl_max), "")
        choices.append((level, f"TRL {level}" + (f"（{stage}）" if stage else "")))
    return choices


class ListingForm(forms.ModelForm):
    """Fields shared by achievement and need forms."""

    organisation = forms.ModelChoiceField(queryset=None, label=_("发布机构"))
    keywords_text = forms.CharField(
        label=_("关键词"),
        required=False,
        help_text=_("最多 8 个，用逗号、顿号或空格分隔"),
    )
    image = forms.FileField(
        label=_("图片"), required=False, help_text=_("JPEG/PNG/WebP/GIF，≤ 5 MB")
    )
    image_alt = forms.CharField(label=_("图片说明"), max_length=120, required=False)
    attachment = forms.FileField(
        label=_("PDF 附件"), required=False, help_text=_("仅限 PDF，≤ 20 MB")
    )
    attachment_title = forms.CharField(label=_("附件名称"), max_length=120, required=False)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = type(organisations[0]).objects.filter(
            pk__in=[o.pk for o in organisations]
        )
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk
            self.fields["organisation"].widget = forms.HiddenInput()
        if self.instance.pk:
            # The organisation of an existing listing never changes.
            del self.fields["organisation"]
            self.fields["keywords_text"].initial = "，".join(self.instance.keywords or [])
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
        self.fields["cooperation_modes"] = IdsChoiceField(
            queryset=CooperationMode.objects.active(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("合作方式"),
            initial=[m.pk for m in self.instance.cooperation_modes.all()]
            if self.instance.pk
            else [],
        )

    def clean_keywords_text(self) -> list[str]:
        words = []
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

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            from marketplace.uploads import validate_image

            validate_image(upload)
        return upload

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            from marketplace.uploads import validate_pdf

            validate_pdf(upload)
        return upload

    def listing_data(self) -> dict:
        """The values the listing services take (no files, no organisation)."""
        data = {k: v for k, v in self.cleaned_data.items() if k in self._meta.fields}
        data["keywords"] = self.cleaned_data.get("keywords_text", [])
        data["tech_field"] = self.cleaned_data.get("tech_field")
        data["industry"] = self.cleaned_data.get("industry")
        data["cooperation_modes"] = list(self.cleaned_data.get("cooperation_modes") or [])
        return data


class AchievementForm(ListingForm):
    trl = forms.TypedChoiceField(
        label=_("技术成熟度"), choices=(), coerce=int, required=False, empty_value=None
    )

    class Meta:
        model = Achievement
        fields = [
            "title",
            "summary",
            "description",
            "problem",
            "advantages",
            "trl",
            "price",
            "team",
            "application_scope",
            "confidential_detail",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "problem": forms.Textarea(attrs={"rows": 3}),
            "advantages": forms.Textarea(attrs={"rows": 3}),
            "team": forms.Textarea(attrs={"rows": 3}),
            "application_scope": forms.Textarea(attrs={"rows": 2}),
            "confidential_detail": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trl"].choices = _trl_choices()
        self.fields["price"].help_text = _("单位：元。留空表示“面议”。")

    def clean_price(self):
        price = self.cleaned_data.get("price")
        if price is not None and price <= 0:
            raise forms.ValidationError(_("价格须大于 0；如需面议请留空。"))
        return price


class NeedForm(ListingForm):
    class Meta:
        model = Need
        fields = [
            "title",
            "description",
            "targets",
            "budget_min",
            "budget_max",
            "valid_from",
            "valid_until",
            "disclosure",
            "contact_name",
            "contact_phone",
            "contact_email",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "targets": forms.Textarea(attrs={"rows": 3}),
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("budget_min"), cleaned.get("budget_max")
        for name in ("budget_min", "budget_max"):
            if cleaned.get(name) is not None and cleaned[name] <= 0:
                self.add_error(name, _("预算须大于 0；如需面议请留空。"))
        if low is not None and high is not None and low > high:
            self.add_error("budget_max", _("预算上限不能低于下限。"))
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("有效期截止日期不能早于开始日期。"))
        return cleaned


class IPItemForm(forms.Form):
    ip_type = forms.ModelChoiceField(
        queryset=IPType.objects.active(), label=_("知识产权类型"), required=False
    )
    number = forms.CharField(label=_("专利号/登记号"), max_length=60, required=False)
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", "---------"), *IPItem.Status.choices], required=False
    )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("number") or cleaned.get("status")) and not cleaned.get("ip_type"):
            self.add_error("ip_type", _("请选择知识产权类型。"))
        return cleaned


IPItemFormSet = forms.formset_factory(IPItemForm, extra=2, max_num=10, validate_max=True)


def ip_items_data(formset) -> list[dict]:
    return [
        {
            "ip_type": f.cleaned_data["ip_type"],
            "number": f.cleaned_data.get("number", ""),
            "status": f.cleaned_data.get("status", ""),
        }
        for f in formset.forms
        if f.cleaned_data.get("ip_type") and not f.cleaned_data.get("DELETE")
    ]
