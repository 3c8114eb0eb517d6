"""The review queue of submitted achievements and needs (spec §3), in the Wagtail admin.

Approve and return call ``listing_approve`` / ``listing_return``; the rules (who may
review, which state, an unverified organisation, a reason) are theirs.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import (
    BulkActionsCheckboxColumn,
    Column,
    DateColumn,
    StatusTagColumn,
    TitleColumn,
)
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets.button import ListingButton

from lib import text
from marketplace import selectors
from marketplace.admin_views import display
from marketplace.admin_views.base import (
    DecisionView,
    ReasonForm,
    ReviewFilterFields,
    ReviewObjectMixin,
    ReviewViewSet,
    organisation_status_label,
    submitted_date_filter,
)
from marketplace.admin_views.permissions import BureauStaffOnlyMixin
from marketplace.models import Achievement, ListingStatus, Need
from marketplace.services import listings

VISIBLE_TO = {Achievement: selectors.achievements_visible_to, Need: selectors.needs_visible_to}


def listing_filterset_class(model: type[Achievement | Need]) -> type[ReviewFilterFields]:
    """The review-list filters for one kind of listing."""

    class Meta:
        fields: list[str] = []

    Meta.model = model
    return type(
        f"{model.__name__}ReviewFilterSet",
        (ReviewFilterFields,),
        {"Meta": Meta, "submitted_at": submitted_date_filter("submitted_at")},
    )


FILTERSETS = {model: listing_filterset_class(model) for model in (Achievement, Need)}


def filtered_review_queue(request, model) -> QuerySet:
    """The review queue narrowed by the filters and search of the list's query string."""
    queryset = selectors.review_queue(model)
    filterset = FILTERSETS[model](request.GET, queryset=queryset, request=request)
    if filterset.is_valid():
        queryset = filterset.filter_queryset(queryset)
    if query := text.query_text(request.GET.get("q"))[0]:
        queryset = queryset.filter(
            Q(title__icontains=query) | Q(organisation__name__icontains=query)
        )
    return queryset


class ListingReviewIndexView(BureauStaffOnlyMixin, IndexView):
    template_name = "marketplace/admin/review_index.html"
    review_url_name: str | None = None
    approve_url_name: str | None = None
    return_url_name: str | None = None

    def get_base_queryset(self):
        return selectors.review_queue(self.model)

    def get_page_title(self):
        return _("待审%(name)s") % {"name": self.model._meta.verbose_name_plural}

    def get_review_url(self, instance) -> str:
        return reverse(self.review_url_name, args=[quote(instance.pk)])

    @cached_property
    def columns(self):
        title_column = self._get_title_column_class(TitleColumn)
        return [
            BulkActionsCheckboxColumn("bulk_actions", obj_type="listing"),
            title_column(
                "title",
                label=_("标题"),
                sort_key="title",
                get_url=self.get_review_url,
                get_title_id=lambda instance: f"listing_{quote(instance.pk)}_title",
            ),
            Column("organisation", label=_("所属机构"), sort_key="organisation__name"),
            StatusTagColumn(
                "organisation_status",
                label=_("机构认证"),
                accessor=lambda instance: organisation_status_label(instance.organisation),
                primary=lambda instance: instance.organisation.is_verified,
            ),
            Column("tech_field", label=_("技术领域")),
            DateColumn("submitted_at", label=_("提交时间"), sort_key="submitted_at"),
        ]

    def get_list_more_buttons(self, instance):
        pk = quote(instance.pk)
        return [
            ListingButton(
                _("审核"), url=self.get_review_url(instance), icon_name="view", priority=10
            ),
            MenuItem(
                _("通过"),
                url=reverse(self.approve_url_name, args=[pk]),
                icon_name="tick",
                priority=20,
            ),
            MenuItem(
                _("退回（填写原因）"),
                url=reverse(self.return_url_name, args=[pk]),
                icon_name="cross",
                priority=30,
            ),
        ]


class ListingObjectMixin(ReviewObjectMixin):
    def get_object(self):
        # Any state: the review page stays readable (with its timeline) after a decision.
        try:
            return VISIBLE_TO[self.model](self.request.user).get(pk=self.kwargs["pk"])
        except self.model.DoesNotExist as exc:
            raise Http404 from exc


class ListingReviewView(ListingObjectMixin, TemplateView):
    template_name = "marketplace/admin/listing_review.html"

    def get_page_title(self):
        return _("审核%(name)s") % {"name": self.model._meta.verbose_name}

    def get_page_subtitle(self):
        return str(self.object)

    def get_index_label(self) -> str:
        return _("待审%(name)s") % {"name": self.model._meta.verbose_name_plural}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        listing = self.object
        pending = selectors.pending_revision(listing)
        context.update(self.action_urls())
        context.update(
            listing=listing,
            model_name=self.model._meta.verbose_name,
            rows=display.listing_rows(listing),
            timeline=display.timeline(selectors.listing_events(listing)),
            images=listing.images.all(),
            attachments=listing.attachments.all(),
            can_decide=listing.status == ListingStatus.SUBMITTED,
            organisation_status=organisation_status_label(listing.organisation),
            verify_url=reverse("organisations:verify", args=[listing.organisation_id]),
            pending_revision_url=(
                reverse("review_revisions:review", args=[pending.pk]) if pending else None
            ),
            return_form=ReasonForm(),
        )
        return context


class ListingDecisionView(ListingObjectMixin, DecisionView):
    def get_index_label(self) -> str:
        return _("待审%(name)s") % {"name": self.model._meta.verbose_name_plural}


class ListingApproveView(ListingDecisionView):
    decision = "approve"

    def perform(self, reason: str):
        return listings.listing_approve(listing=self.object, by=self.request.user)

    def get_success_message(self) -> str:
        return _("已通过并发布：%(title)s") % {"title": self.object.title}


class ListingReturnView(ListingDecisionView):
    decision = "return"

    def perform(self, reason: str):
        return listings.listing_return(listing=self.object, by=self.request.user, reason=reason)

    def get_success_message(self) -> str:
        return _("已退回：%(title)s") % {"title": self.object.title}


class ListingReviewViewSet(ReviewViewSet):
    index_view_class = ListingReviewIndexView
    review_view_class = ListingReviewView
    approve_view_class = ListingApproveView
    return_view_class = ListingReturnView
    search_fields = ["title", "organisation__name"]

    def __init__(self, name=None, **kwargs):
        super().__init__(name, **kwargs)
        if self.model not in FILTERSETS:
            raise ImproperlyConfigured("ListingReviewViewSet reviews achievements or needs.")

    @cached_property
    def filterset_class(self):
        return FILTERSETS[self.model]


achievement_review_viewset = ListingReviewViewSet(
    "review_achievements",
    model=Achievement,
    url_prefix="review/achievements",
    icon="doc-full",
    menu_label=gettext_lazy("待审成果"),
)
need_review_viewset = ListingReviewViewSet(
    "review_needs",
    model=Need,
    url_prefix="review/needs",
    icon="clipboard-list",
    menu_label=gettext_lazy("待审需求"),
)
