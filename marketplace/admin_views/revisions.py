"""Pending revisions of published listings (spec §3: edits are reviewed, the old one stays live).

The review page shows current against proposed values field by field; approve and
return call ``revision_approve`` / ``revision_return``.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from django_filters import ChoiceFilter
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.widgets.button import ListingButton

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
from marketplace.admin_views.review import VISIBLE_TO
from marketplace.models import Achievement, ListingRevision, Need, RevisionStatus
from marketplace.services import listings

LISTING_MODELS = (Achievement, Need)


def pending_revisions():
    """Pending revisions of achievements and needs, with their listings, in few queries."""
    queryset = selectors.pending_revisions(Achievement) | selectors.pending_revisions(Need)
    return (
        queryset.select_related("content_type", "created_by")
        .prefetch_related(
            GenericPrefetch(
                "listing",
                [
                    model.objects.select_related("organisation", "tech_field__parent")
                    for model in LISTING_MODELS
                ],
            )
        )
        .order_by("created_at", "id")
    )


class RevisionFilterSet(ReviewFilterFields):
    listing_type = ChoiceFilter(
        label=gettext_lazy("类型"),
        choices=[(model._meta.model_name, model._meta.verbose_name) for model in LISTING_MODELS],
        method="filter_listing_type",
    )
    created_at = submitted_date_filter("created_at")

    class Meta:
        model = ListingRevision
        fields: list[str] = []

    def listing_filter(self, queryset, condition: Q):
        # A revision points at its listing through a generic relation: match the ids per model.
        matches = Q(pk__in=[])
        for model in LISTING_MODELS:
            matches |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=model.objects.filter(condition).values("pk"),
            )
        return queryset.filter(matches)

    def filter_listing_type(self, queryset, name, value):
        for model in LISTING_MODELS:
            if model._meta.model_name == value:
                return queryset.filter(content_type=ContentType.objects.get_for_model(model))
        return queryset


def _listing_attr(path: str):
    def accessor(revision):
        value = revision.listing
        for part in path.split("."):
            value = getattr(value, part, None) if value is not None else None
        return value

    return accessor


class RevisionIndexView(BureauStaffOnlyMixin, IndexView):
    template_name = "wagtailadmin/generic/index.html"
    review_url_name: str | None = None
    approve_url_name: str | None = None
    return_url_name: str | None = None
    page_title = gettext_lazy("待审修改")

    def get_base_queryset(self):
        return pending_revisions()

    def get_review_url(self, instance) -> str:
        return reverse(self.review_url_name, args=[quote(instance.pk)])

    @cached_property
    def columns(self):
        title_column = self._get_title_column_class(TitleColumn)
        return [
            title_column(
                "title",
                label=_("标题"),
                accessor=_listing_attr("title"),
                get_url=self.get_review_url,
            ),
            Column(
                "listing_type",
                label=_("类型"),
                accessor=lambda revision: revision.content_type.model_class()._meta.verbose_name,
            ),
            Column("organisation", label=_("所属机构"), accessor=_listing_attr("organisation")),
            StatusTagColumn(
                "organisation_status",
                label=_("机构认证"),
                accessor=lambda revision: (
                    organisation_status_label(revision.listing.organisation)
                    if revision.listing
                    else ""
                ),
                primary=lambda revision: bool(
                    revision.listing and revision.listing.organisation.is_verified
                ),
            ),
            Column("tech_field", label=_("技术领域"), accessor=_listing_attr("tech_field")),
            Column("created_by", label=_("修改人")),
            DateColumn("created_at", label=_("提交时间"), sort_key="created_at"),
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


class RevisionObjectMixin(ReviewObjectMixin):
    def get_object(self):
        try:
            revision = ListingRevision.objects.select_related("content_type", "created_by").get(
                pk=self.kwargs["pk"]
            )
        except ListingRevision.DoesNotExist as exc:
            raise Http404 from exc
        model = revision.content_type.model_class()
        if model not in VISIBLE_TO:
            raise Http404
        try:
            listing = VISIBLE_TO[model](self.request.user).get(pk=revision.object_id)
        except model.DoesNotExist as exc:
            raise Http404 from exc
        # The services lock and read the listing themselves; this copy is for display.
        revision.listing = listing
        return revision

    def get_index_label(self) -> str:
        return _("待审修改")


class RevisionReviewView(RevisionObjectMixin, TemplateView):
    template_name = "marketplace/admin/revision_review.html"

    def get_page_title(self):
        return _("审核修改")

    def get_page_subtitle(self):
        return str(self.object.listing)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        revision = self.object
        listing = revision.listing
        diff = display.revision_diff(listing, revision)
        context.update(self.action_urls())
        context.update(
            revision=revision,
            listing=listing,
            model_name=listing._meta.verbose_name,
            diff=diff,
            changed_count=sum(1 for row in diff if row.changed),
            timeline=display.timeline(selectors.listing_events(listing)),
            can_decide=revision.status == RevisionStatus.PENDING,
            organisation_status=organisation_status_label(listing.organisation),
            return_form=ReasonForm(),
        )
        return context


class RevisionDecisionView(RevisionObjectMixin, DecisionView):
    def get_page_subtitle(self):
        return str(self.object.listing)


class RevisionApproveView(RevisionDecisionView):
    decision = "approve"

    def perform(self, reason: str):
        return listings.revision_approve(revision=self.object, by=self.request.user)

    def get_success_message(self) -> str:
        return _("修改已通过并生效：%(title)s") % {"title": self.object.listing.title}


class RevisionReturnView(RevisionDecisionView):
    decision = "return"

    def perform(self, reason: str):
        return listings.revision_return(revision=self.object, by=self.request.user, reason=reason)

    def get_success_message(self) -> str:
        return _("修改已退回，已发布的版本保持不变：%(title)s") % {
            "title": self.object.listing.title
        }


class RevisionReviewViewSet(ReviewViewSet):
    model = ListingRevision
    index_view_class = RevisionIndexView
    review_view_class = RevisionReviewView
    approve_view_class = RevisionApproveView
    return_view_class = RevisionReturnView
    filterset_class = RevisionFilterSet


revision_review_viewset = RevisionReviewViewSet(
    "review_revisions",
    url_prefix="review/revisions",
    icon="edit",
    menu_label=gettext_lazy("待审修改"),
)
