"""Bulk approve / bulk return of submitted listings, on Wagtail's bulk-action framework.

The review list's checkboxes lead to a confirmation page (GET) whose form POSTs the
decision. Each listing goes through the same service as a single decision, in its
own transaction, so one refusal (say, an unverified organisation) leaves the
others done; the result reports how many succeeded and which failed and why.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.bulk_action import BulkAction

from lib.errors import DomainError
from lib.forms import is_id
from marketplace.admin_views.base import ReasonForm, organisation_status_label
from marketplace.admin_views.permissions import BureauStaffOnlyMixin
from marketplace.admin_views.review import (
    achievement_review_viewset,
    filtered_review_queue,
    need_review_viewset,
)
from marketplace.models import Achievement, Need
from marketplace.services import listings

VIEWSETS = {Achievement: achievement_review_viewset, Need: need_review_viewset}


class ListingBulkAction(BureauStaffOnlyMixin, BulkAction):
    models = [Achievement, Need]
    template_name = "marketplace/admin/bulk_confirm.html"
    action_button_label = ""

    def __init__(self, request, model):
        super().__init__(request, model)
        # Without a ?next=, go back to the review list, not to this (now id-less) page.
        if not get_valid_next_url_from_request(request):
            self.next_url = reverse(VIEWSETS[model].get_url_name("index"))

    @classmethod
    def get_queryset(cls, model, object_ids):
        ids = [int(pk) for pk in object_ids if is_id(pk)]
        found = list(
            model.objects.filter(pk__in=ids)
            .select_related("organisation", "tech_field__parent")
            .order_by("submitted_at", "id")
        )
        if not found:
            raise Http404
        return found

    def get_all_objects_in_listing_query(self, parent_id):
        # "Select all" means everything the (filtered) review list shows.
        return filtered_review_queue(self.request, self.model).values_list("pk", flat=True)

    def object_context(self, obj):
        return {
            "item": obj,
            "review_url": reverse(VIEWSETS[type(obj)].get_url_name("review"), args=[obj.pk]),
            "organisation_status": organisation_status_label(obj.organisation),
            "organisation_verified": obj.organisation.is_verified,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            header_icon="tasks",
            action_title=self.display_name,
            action_button_label=self.action_button_label,
            action_button_class=" ".join(self.classes),
        )
        return context

    def perform(self, listing, data: dict) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        objects, _without_access = self.get_actionable_objects()
        done, failed = [], []
        for listing in objects:
            try:
                self.perform(listing, form.cleaned_data)
            except DomainError as exc:
                failed.append((listing, " ".join(exc.messages)))
            else:
                done.append(listing)
        if done:
            messages.success(self.request, self.success_message(len(done)))
        if failed:
            messages.error(
                self.request,
                ngettext(
                    "%(count)d 条未能处理：%(details)s",
                    "%(count)d 条未能处理：%(details)s",
                    len(failed),
                )
                % {
                    "count": len(failed),
                    "details": "；".join(f"《{listing.title}》{why}" for listing, why in failed),
                },
            )
        return redirect(self.next_url)

    def success_message(self, count: int) -> str:
        raise NotImplementedError


class ApproveListingsBulkAction(ListingBulkAction):
    display_name = gettext_lazy("批量通过")
    action_type = "review-approve"
    aria_label = gettext_lazy("通过所选信息并发布")
    action_button_label = gettext_lazy("确认通过")
    action_priority = 10

    def perform(self, listing, data: dict) -> None:
        listings.listing_approve(listing=listing, by=self.request.user)

    def success_message(self, count: int) -> str:
        return ngettext("已通过并发布 %(count)d 条。", "已通过并发布 %(count)d 条。", count) % {
            "count": count
        }


class ReturnListingsBulkAction(ListingBulkAction):
    display_name = gettext_lazy("批量退回")
    action_type = "review-return"
    aria_label = gettext_lazy("退回所选信息（填写同一条原因）")
    action_button_label = gettext_lazy("确认退回")
    action_priority = 20
    classes = {"serious"}
    form_class = ReasonForm

    def perform(self, listing, data: dict) -> None:
        listings.listing_return(listing=listing, by=self.request.user, reason=data["reason"])

    def success_message(self, count: int) -> str:
        return ngettext("已退回 %(count)d 条。", "已退回 %(count)d 条。", count) % {"count": count}
