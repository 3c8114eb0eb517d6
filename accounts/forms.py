from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Role

SELF_SERVICE_ROLES = [
    (Role.RESEARCHER, Role.RESEARCHER.label),
    (Role.ENTERPRISE_MEMBER, Role.ENTERPRISE_MEMBER.label),
    (Role.BROKER, Role.BROKER.label),
]


class OrganisationRegisterForm(forms.ModelForm):
    """A person registers their organisation. Staff and expert roles are granted by the bureau."""

    role = forms.ChoiceField(label=_("我在该机构的角色"), choices=SELF_SERVICE_ROLES)

    class Meta:
        model = Organisation
        fields = ["name", "kind", "region_code", "credit_code", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Registering a government body is the bureau's job, not self-service.
        self.fields["kind"].choices = [
            c for c in self.fields["kind"].choices if c[0] != "government"
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == "enterprise" and not cleaned.get("credit_code"):
            self.add_error("credit_code", _("企业须填写统一社会信用代码。"))
        return cleaned


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)


class JoinSearchForm(forms.Form):
    q = forms.CharField(
        label=_("机构名称或统一社会信用代码"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("例如：瓯江大学")}),
    )


class JoinRequestForm(forms.Form):
    """Ask to join one organisation: the roles offered are those that fit its kind."""

    role = forms.ChoiceField(label=_("申请的角色"))
    message = forms.CharField(
        label=_("申请说明"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("可选：所在院系或部门、工号等，便于管理员确认身份。"),
    )

    def __init__(self, *args, roles: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0]


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("不同意的原因"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("申请人会看到这条说明。"),
        error_messages={"required": _("请填写不同意的原因，申请人会看到这条说明。")},
    )
