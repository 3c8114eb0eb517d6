"""Public list and detail pages of achievements and needs (spec §3, §10).

Lists: the filters in ``marketplace.filters`` narrow a selector's queryset, which
already joins and prefetches everything a row shows, so a page costs the same
number of queries whatever its size (spec §11).
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.selectors import has_verified_organisation
from marketplace import permissions, selectors
from marketplace.filters import AchievementFilter, ListingFilter, NeedFilter
from marketplace.models import Achievement, Disclosure, MaturityStage, Need, RevisionStatus
from marketplace.selectors_deals import can_see_confidential, inquiry_state
from marketplace.services.listings import listing_record_view

PAGE_SIZE = 20

# Workflow actions as ``services.listings`` logs them, in the words owners read.
ACTION_LABELS = {
    "create": _("创建"),
    "submit": _("提交审核"),
    "approve": _("审核通过并发布"),
    "return": _("退回修改"),
    "revise": _("提交修改稿"),
    "revision_approve": _("修改稿审核通过"),
    "revision_return": _("修改稿被退回"),
    "archive": _("归档"),
    "expire": _("到期自动归档"),
}


def _stage_names() -> dict[int, str]:
    """TRL level → the stage word people use for it (小试, 中试 …), from one small query."""
    names: dict[int, str] = {}
    for stage in MaturityStage.objects.active():
        for level in range(stage.trl_min, stage.trl_max + 1):
            names.setdefault(level, stage.name)
    return names


def _page(request: HttpRequest, filters: ListingFilter, queryset: QuerySet) -> Page:
    return Paginator(filters.apply(queryset), PAGE_SIZE).get_page(request.GET.get("page"))


def achievement_list(request: HttpRequest) -> HttpResponse:
    filters = AchievementFilter(request.GET)
    page = _page(request, filters, selectors.published_achievements())
    stage_names = _stage_names()
    for achievement in page:
        achievement.stage_name = stage_names.get(achievement.trl)
    context = {"page": page, "filters": filters}
    return render(request, "marketplace/achievement_list.html", context)


def need_list(request: HttpRequest) -> HttpResponse:
    filters = NeedFilter(request.GET)
    page = _page(request, filters, selectors.published_needs())
    context = {"page": page, "filters": filters}
    return render(request, "marketplace/need_list.html", context)


def _contact_prompt(user, *, on_request: bool) -> str:
    """Why the contact block is hidden, so the page can say what to do next."""
    if not user.is_authenticated:
        return "login"
    if on_request:
        return "on_request"
    return "verify"


def _detail_context(request: HttpRequest, listing: Achievement | Need) -> dict:
    user = request.user
    is_owner = permissions.can_edit(user, listing)
    is_reviewer = permissions.can_review(user)
    insider = is_owner or is_reviewer
    is_need = isinstance(listing, Need)
    # 匿名 needs hide the company from everyone but its own people and the bureau (spec §3).
    hide_name = is_need and listing.disclosure == Disclosure.ANONYMOUS and not insider
    # 详情须申请查看: the enterprise answers inquiries instead of publishing its contacts.
    on_request = is_need and listing.disclosure == Disclosure.ON_REQUEST
    # Contact details: signed-in users of verified organisations (spec §1).
    show_contact = insider or (has_verified_organisation(user) and not on_request)

    events = list(selectors.listing_events(listing)) if insider else []
    for event in events:
        event.action_label = ACTION_LABELS.get(event.action, event.action)

    pending = selectors.pending_revision(listing) if is_owner else None
    returned_revision = None
    if is_owner and pending is None:
        latest = selectors.latest_revision(listing)
        if latest is not None and latest.status == RevisionStatus.RETURNED:
            returned_revision = latest

    stage_name = _stage_names().get(listing.trl) if isinstance(listing, Achievement) else None
    return {
        "can_edit": is_owner,
        "is_insider": insider,
        "organisation_label": _("某企业") if hide_name else listing.organisation.name,
        "name_hidden_publicly": is_need and listing.disclosure == Disclosure.ANONYMOUS,
        "show_contact": show_contact,
        "contact_prompt": "" if show_contact else _contact_prompt(user, on_request=on_request),
        # Confidential detail: the owner and reviewers; an inquirer once the owner accepted.
        "show_confidential": can_see_confidential(user, listing),
        "inquiry": inquiry_state(user, listing),
        "events": events,
        "pending_revision": pending,
        "returned_revision": returned_revision,
        "stage_name": stage_name,
        "login_next": request.get_full_path(),
    }


def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = selectors.achievements_visible_to(request.user).filter(pk=pk).first()
    if achievement is None:
        raise Http404
    if achievement.is_published:
        listing_record_view(listing=achievement)
    context = {"achievement": achievement, **_detail_context(request, achievement)}
    return render(request, "marketplace/achievement_detail.html", context)


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.needs_visible_to(request.user).filter(pk=pk).first()
    if need is None:
        raise Http404
    if need.is_published:
        listing_record_view(listing=need)
    context = {"need": need, **_detail_context(request, need)}
    return render(request, "marketplace/need_detail.html", context)
