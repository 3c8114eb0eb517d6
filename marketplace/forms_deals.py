"""Forms of the deal pages. They check values only; every rule is in services.deals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.models import ContractType, DealCloseReason, DealStage, PaymentMethod, TechField
from marketplace.services.deals import MAX_MESSAGE_LENGTH


class InquiryForm(forms.Form):
    organisation = forms.TypedChoiceField(
        label=_("代表机构"), coerce=int, required=False, empty_value=None
    )
    message = forms.CharField(
        label=_("意向说明"),
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("简要说明贵机构的需求、合作方式设想和联系方式"),
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(o.pk, o.name) for o in organisations]
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk
            self.fields["organisation"].widget = forms.HiddenInput()


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("消息"), max_length=MAX_MESSAGE_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachment = forms.FileField(
        label=_("附件"), required=False, help_text=_("可上传一个 PDF 文件或一张图片")
    )


class SignForm(forms.Form):
    """The signed contract, as much as registration needs; the parties come from the deal."""

    contract_no = forms.CharField(label=_("合同编号"), max_length=64)
    title = forms.CharField(label=_("合同名称"), max_length=200)
    contract_type = forms.ChoiceField(label=_("合同类型"), choices=ContractType.choices)
    signed_on = forms.DateField(label=_("签订日期"), widget=forms.DateInput(attrs={"type": "date"}))
    contract_amount = forms.DecimalField(
        label=_("合同成交额（元）"), max_digits=16, decimal_places=2, min_value=Decimal("0.01")
    )
    tech_amount = forms.DecimalField(
        label=_("技术交易额（元）"),
        max_digits=16,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("合同成交额扣除设备、材料、零部件等非技术性费用后的金额"),
    )
    tech_field = forms.ModelChoiceField(
        label=_("技术领域"), queryset=TechField.objects.filter(parent=None), required=False
    )
    payment_method = forms.ChoiceField(
        label=_("支付方式"), choices=[("", "---------"), *PaymentMethod.choices], required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        amount, tech = data.get("contract_amount"), data.get("tech_amount")
        if amount is not None and tech is not None and tech > amount:
            self.add_error("tech_amount", _("技术交易额不能大于合同成交额。"))
        return data

    def contract_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("关闭原因"), choices=DealCloseReason.choices)
    note = forms.CharField(
        label=_("说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("选择“其他”时必填"),
    )


class BrokerForm(forms.Form):
    broker = forms.ModelChoiceField(label=_("技术经纪人"), queryset=None)

    def __init__(self, *args, brokers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["broker"].queryset = brokers


class StageFilterForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("阶段"), choices=[("", _("全部")), *DealStage.choices], required=False
    )
