"""检索词典: bureau staff add the words the segmenter must keep whole (spec §5).

A saved or deleted word is used at once and re-indexes what contains it in the
background (search/staff_words.py). Access is the bureau role, as for the code lists.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from marketplace.admin_views.contracts import StaffPageView
from marketplace.admin_views.permissions import BureauStaffOnlyMixin, BureauStaffPermissionPolicy
from search import staff_words
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
    @cached_property
    def header_buttons(self):
        bulk = HeaderButton(
            gettext_lazy("批量添加"), url=reverse("search_dictionary:bulk_add"), icon_name="list-ul"
        )
        return [*super().header_buttons, bulk]


class BulkAddForm(forms.Form):
    words = forms.CharField(
        label=gettext_lazy("词语"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=gettext_lazy(
            "每行一个词；词后可空一格写词频，如“钙钛矿叠层电池 5000”。已在词典中的词会跳过。"
        ),
    )

    def clean_words(self) -> list[tuple[str, int | None]]:
        entries, errors = staff_words.parse_lines(self.cleaned_data["words"])
        if errors:
            raise forms.ValidationError(errors)
        if not entries:
            raise forms.ValidationError(_("请至少填写一个词。"))
        return entries


class DictionaryBulkAddView(StaffPageView):
    """Many words at once (pasted, one a line): all are added, or none and the reasons."""

    template_name = "search/admin/dictionary_bulk_add.html"
    page_title = gettext_lazy("批量添加词语")
    index_url_name = "search_dictionary:index"
    index_label = gettext_lazy("检索词典")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", BulkAddForm())
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = BulkAddForm(request.POST)
        if not form.is_valid():  # the pasted text comes back with the reasons
            return self.render_to_response(self.get_context_data(form=form))
        added, known = staff_words.add_words(form.cleaned_data["words"])
        messages.success(
            request,
            _("已添加 %(added)d 个词，%(known)d 个已在词典中。") % {"added": added, "known": known}
            + " "
            + str(REINDEX_NOTE),
        )
        return redirect("search_dictionary:index")


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

    def get_urlpatterns(self):
        bulk = path("bulk/", DictionaryBulkAddView.as_view(), name="bulk_add")
        return [*super().get_urlpatterns(), bulk]


dictionary_viewset = DictionaryViewSet("search_dictionary")
