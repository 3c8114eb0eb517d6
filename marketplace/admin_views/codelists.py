"""Code lists (spec §2) for bureau staff: view, add, edit and deactivate entries.

Entries are never deleted here: listings, imports and search refer to them, so an
entry that is no longer wanted is switched off (``is_active``) and stops being
offered in forms, while old listings keep their value. Access is the bureau role,
through a permission policy registered for each code-list model (wagtail_hooks.py).
"""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from marketplace.admin_views.permissions import BureauStaffOnlyMixin, BureauStaffPermissionPolicy
from marketplace.models import CooperationMode, Industry, IPType, MaturityStage, TechField

CODE_LIST_MODELS = (TechField, Industry, MaturityStage, CooperationMode, IPType)
ALIAS_SEPARATORS = re.compile(r"[,，、;；\n]+")


def codelist_policy(model) -> BureauStaffPermissionPolicy:
    """View, add and change for bureau staff; no delete (deactivate instead)."""
    return BureauStaffPermissionPolicy(model, actions=("view", "add", "change"))


class AliasesField(forms.CharField):
    """The aliases JSON list, typed as one line separated by commas or 、."""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return "、".join(str(word) for word in value)
        return value

    def to_python(self, value):
        words: list[str] = []
        for word in ALIAS_SEPARATORS.split(super().to_python(value) or ""):
            word = word.strip()
            if word and word not in words:
                words.append(word)
        return words

    def has_changed(self, initial, data):
        return list(initial or []) != self.to_python(data)


class CodeListForm(WagtailAdminModelForm):
    aliases = AliasesField(
        label=gettext_lazy("别名"),
        required=False,
        help_text=gettext_lazy("导入数据时可识别的其他写法，多个用逗号或顿号分隔"),
    )


class ParentLimitedForm(CodeListForm):
    """Two levels only: a parent is a top-level entry, never the entry itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = self._meta.model.objects.filter(parent=None)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        if parent and self.instance.pk and self.instance.children.exists():
            raise ValidationError(gettext_lazy("该条目下已有下级条目，不能再设置上级。"))
        return parent


class TechFieldForm(ParentLimitedForm):
    class Meta:
        model = TechField
        fields = ["name", "parent", "aliases", "sort_order", "is_active"]


class IndustryForm(ParentLimitedForm):
    class Meta:
        model = Industry
        fields = ["code", "name", "parent", "aliases", "sort_order", "is_active"]


class MaturityStageForm(CodeListForm):
    class Meta:
        model = MaturityStage
        fields = ["name", "trl_min", "trl_max", "aliases", "sort_order", "is_active"]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("trl_min"), cleaned.get("trl_max")
        if low is not None and high is not None and low > high:
            self.add_error("trl_max", gettext_lazy("TRL 上限不能小于下限。"))
        return cleaned


class CooperationModeForm(CodeListForm):
    class Meta:
        model = CooperationMode
        fields = ["code", "name", "aliases", "sort_order", "is_active"]


class IPTypeForm(CodeListForm):
    class Meta:
        model = IPType
        fields = ["code", "name", "aliases", "sort_order", "is_active"]


def parent_filterset(model) -> type[WagtailFilterSet]:
    """Filters for a two-level list; the parent choices are top-level entries only."""

    class Meta:
        fields = ["is_active"]

    Meta.model = model
    parent = django_filters.ModelChoiceFilter(
        label=model._meta.get_field("parent").verbose_name,
        queryset=model.objects.filter(parent=None),
    )
    return type(f"{model.__name__}FilterSet", (WagtailFilterSet,), {"Meta": Meta, "parent": parent})


# The generic views, answering 403 to anyone but bureau staff (like the review screens).
class CodeListIndexView(BureauStaffOnlyMixin, generic.IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset()
        if hasattr(self.model, "parent"):
            queryset = queryset.select_related("parent")
        return queryset


class CodeListCreateView(BureauStaffOnlyMixin, generic.CreateView):
    pass


class CodeListEditView(BureauStaffOnlyMixin, generic.EditView):
    pass


class CodeListDeleteView(BureauStaffOnlyMixin, generic.DeleteView):
    pass


class CodeListHistoryView(BureauStaffOnlyMixin, history.HistoryView):
    pass


class CodeListUsageView(BureauStaffOnlyMixin, usage.UsageView):
    pass


class CodeListViewSet(ModelViewSet):
    index_view_class = CodeListIndexView
    add_view_class = CodeListCreateView
    edit_view_class = CodeListEditView
    delete_view_class = CodeListDeleteView
    history_view_class = CodeListHistoryView
    usage_view_class = CodeListUsageView
    copy_view_enabled = False
    icon = "tag"
    list_per_page = 50
    list_filter = ["is_active"]
    search_fields = ["name"]
    form_class: type[CodeListForm] | None = None

    def get_form_class(self, for_update=False):
        return self.form_class

    @cached_property
    def list_display(self):
        columns = ["name"]
        field_names = {field.name for field in self.model._meta.get_fields()}
        if "code" in field_names:
            columns.append(Column("code", label=gettext_lazy("代码"), sort_key="code"))
        if "parent" in field_names:
            columns.append(
                Column("parent", label=self.model._meta.get_field("parent").verbose_name)
            )
        if self.model is MaturityStage:
            columns += [
                Column("trl_min", label=gettext_lazy("TRL 下限")),
                Column("trl_max", label=gettext_lazy("TRL 上限")),
            ]
        columns += [
            Column("sort_order", label=gettext_lazy("排序"), sort_key="sort_order"),
            BooleanColumn("is_active", label=gettext_lazy("启用"), sort_key="is_active"),
        ]
        return columns


techfield_viewset = CodeListViewSet(
    "codelist_techfield",
    model=TechField,
    form_class=TechFieldForm,
    url_prefix="codelists/tech-fields",
    filterset_class=parent_filterset(TechField),
)
industry_viewset = CodeListViewSet(
    "codelist_industry",
    model=Industry,
    form_class=IndustryForm,
    url_prefix="codelists/industries",
    filterset_class=parent_filterset(Industry),
    search_fields=["name", "code"],
)
maturity_viewset = CodeListViewSet(
    "codelist_maturitystage",
    model=MaturityStage,
    form_class=MaturityStageForm,
    url_prefix="codelists/maturity-stages",
)
cooperation_viewset = CodeListViewSet(
    "codelist_cooperationmode",
    model=CooperationMode,
    form_class=CooperationModeForm,
    url_prefix="codelists/cooperation-modes",
    search_fields=["name", "code"],
)
iptype_viewset = CodeListViewSet(
    "codelist_iptype",
    model=IPType,
    form_class=IPTypeForm,
    url_prefix="codelists/ip-types",
    search_fields=["name", "code"],
)


class CodeListGroup(ModelViewSetGroup):
    menu_label = gettext_lazy("代码表")
    menu_icon = "list-ul"
    menu_order = 210
    items = (
        techfield_viewset,
        industry_viewset,
        maturity_viewset,
        cooperation_viewset,
        iptype_viewset,
    )
