"""检索词典: bureau staff add the words the segmenter must keep whole (spec §5).

A saved or deleted word is used at once and re-indexes what contains it in the
background (search/staff_words.py). Access is the bureau role, as for the code lists.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from marketplace.admin_views.permissions import BureauStaffOnlyMixin, BureauStaffPermissionPolicy
from search.models import DictionaryWord

REINDEX_NOTE = gettext_lazy(
    "包含该词的成果、需求和页面正在后台重新索引，几分钟内检索即按新词典切分。"
)


def dictionary_policy() -> BureauStaffPermissionPolicy:
    return BureauStaffPermissionPolicy(DictionaryWord, actions=("view", "add", "change", "delete"))


class DictionaryWordForm(WagtailAdminModelForm):
    class Meta:
        model = DictionaryWord
        fields = ["word", "frequency", "note"]


class _Saved:
    """The success message says what happens next (the re-indexing)."""

    def get_success_message(self, *args):  # (instance) when creating, () otherwise
        message = super().get_success_message(*args)
        return f"{message} {REINDEX_NOTE}" if message else message


class DictionaryIndexView(BureauStaffOnlyMixin, generic.IndexView):
    pass


class DictionaryCreateView(BureauStaffOnlyMixin, _Saved, generic.CreateView):
    pass


class DictionaryEditView(BureauStaffOnlyMixin, _Saved, generic.EditView):
    pass


class DictionaryDeleteView(BureauStaffOnlyMixin, _Saved, generic.DeleteView):
    pass


class DictionaryViewSet(ModelViewSet):
    model = DictionaryWord
    form_class = DictionaryWordForm
    index_view_class = DictionaryIndexView
    add_view_class = DictionaryCreateView
    edit_view_class = DictionaryEditView
    delete_view_class = DictionaryDeleteView
    copy_view_enabled = False
    inspect_view_enabled = False
    menu_label = gettext_lazy("检索词典")
    icon = "search"
    menu_order = 211
    add_to_admin_menu = True
    url_prefix = "search/dictionary"
    list_per_page = 50
    search_fields = ["word", "note"]
    list_display = [
        "word",
        Column("frequency", label=gettext_lazy("词频"), sort_key="frequency"),
        Column("note", label=gettext_lazy("备注")),
        DateColumn("updated_at", label=gettext_lazy("修改时间"), sort_key="updated_at"),
    ]

    def get_form_class(self, for_update=False):
        return self.form_class


dictionary_viewset = DictionaryViewSet("search_dictionary")
