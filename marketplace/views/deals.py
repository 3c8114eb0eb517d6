"""Deal pages (spec §6, §10): inquiries from detail pages, /deals/, /deals/<id>/, notifications.

A deal a person may not see answers 404; a visible deal's action the person may
not take answers 403 and changes nothing. Every rule is in ``services.deals``.
"""

from __future__ import annotations

import posixpath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from marketplace import selectors
from marketplace import selectors_deals as sel
from marketplace.forms_deals import (
    BrokerForm,
    CloseForm,
    InquiryForm,
    MessageForm,
    SignForm,
    StageFilterForm,
)
from marketplace.models import Deal, DealMessage
from marketplace.services import deals as services

PAGE_SIZE = 20
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
}
SAFETY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    "Cache-Control": "private, no-store",
}
EVENT_LABELS = {
    "open": gettext_lazy("发起意向"),
    "accept": gettext_lazy("接受意向"),
    "assign_broker": gettext_lazy("指派技术经纪人"),
    "sign": gettext_lazy("签订合同"),
    "register": gettext_lazy("合同认定登记"),
    "close": gettext_lazy("关闭"),
}


def _deal(request: HttpRequest, pk: int) -> Deal:
    deal = sel.deal_for(request.user, pk)
    if deal is None:
        raise Http404
    return deal


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- inquiring from a listing's page ----------------------------------------------------------
def _inquire(request: HttpRequest, listing) -> HttpResponse:
    if listing is None:
        raise Http404
    organisations = sel.inquiry_organisations(request.user, listing)
    form = InquiryForm(request.POST, organisations=organisations)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(e) for errors in form.errors.values() for e in errors)
            or _("请检查填写的内容。"),
        )
        return redirect(listing.get_absolute_url())
    chosen = form.cleaned_data["organisation"]
    organisation = next((o for o in organisations if o.pk == chosen), None)
    try:
        deal = services.deal_open(
            listing=listing,
            by=request.user,
            message=form.cleaned_data["message"],
            organisation=organisation,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(listing.get_absolute_url())
    messages.success(request, _("合作意向已发送，对方接受后即可洽谈。"))
    return redirect(deal.get_absolute_url())


@login_required
@require_POST
def achievement_inquire(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.achievements_visible_to(request.user).filter(pk=pk).first()
    return _inquire(request, listing)


@login_required
@require_POST
def need_inquire(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.needs_visible_to(request.user).filter(pk=pk).first()
    return _inquire(request, listing)


# --- my deals -----------------------------------------------------------------------------------
@login_required
@require_safe
def deal_list(request: HttpRequest) -> HttpResponse:
    qs = sel.deals_visible_to(request.user)
    form = StageFilterForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["stage"]:
        qs = qs.filter(stage=form.cleaned_data["stage"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for deal in page:
        deal.viewer_side = sel.side_of(request.user, deal)
    return render(
        request,
        "marketplace/deals/deal_list.html",
        {"page": page, "filter_form": form, "is_staff_view": sel.is_bureau_staff(request.user)},
    )


def _detail_page(request: HttpRequest, deal: Deal, *, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    events = list(sel.deal_events(deal))
    for event in events:
        event.action_label = EVENT_LABELS.get(event.action, event.action)
    can = {
        "accept": sel.can_accept(user, deal),
        "post": sel.can_post_message(user, deal),
        "sign": sel.can_mark_signed(user, deal),
        "close": sel.can_close(user, deal),
        "assign_broker": sel.can_assign_broker(user, deal),
    }
    context = {
        "deal": deal,
        "listing": deal.listing,
        "side": sel.side_of(user, deal),
        "thread": sel.deal_messages(deal),
        "events": events,
        "contracts": deal.contracts.all(),
        "show_confidential": sel.can_see_confidential(user, deal.listing),
        "can": can,
        "message_form": forms.get("message_form") or MessageForm(),
        "sign_form": forms.get("sign_form") or SignForm(initial={"title": deal.listing.title}),
        "close_form": forms.get("close_form") or CloseForm(),
        "broker_form": (
            forms.get("broker_form")
            or BrokerForm(brokers=sel.brokers(), initial={"broker": deal.broker_id})
        )
        if can["assign_broker"]
        else None,
    }
    return render(request, "marketplace/deals/deal_detail.html", context, status=status)


@login_required
@require_safe
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _deal(request, pk))


@login_required
@require_POST
def deal_accept(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    if not sel.can_accept(request.user, deal):
        raise PermissionDenied
    try:
        services.deal_accept(deal=deal, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已接受合作意向，对方现在可以查看保密信息并与您洽谈。"))
    return redirect(deal.get_absolute_url())


@login_required
@require_POST
def deal_message(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    if not sel.can_post_message(request.user, deal):
        raise PermissionDenied
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.deal_post_message(
                deal=deal,
                by=request.user,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data.get("attachment"),
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("消息已发送。"))
            return redirect(deal.get_absolute_url() + "#thread")
    return _detail_page(request, deal, status=400, message_form=form)


@login_required
@require_POST
def deal_sign(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    if not sel.can_mark_signed(request.user, deal):
        raise PermissionDenied
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            contract = services.deal_mark_signed(
                deal=deal, by=request.user, contract_data=form.contract_data()
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                _("合同 %(no)s 已提交认定登记。") % {"no": contract.contract_no},
            )
            return redirect(deal.get_absolute_url())
    return _detail_page(request, deal, status=400, sign_form=form)


@login_required
@require_POST
def deal_close(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    if not sel.can_close(request.user, deal):
        raise PermissionDenied
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.deal_close(
                deal=deal,
                by=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("意向已关闭。"))
            return redirect(deal.get_absolute_url())
    return _detail_page(request, deal, status=400, close_form=form)


@login_required
@require_POST
def deal_assign_broker(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _deal(request, pk)
    if not sel.can_assign_broker(request.user, deal):
        raise PermissionDenied
    form = BrokerForm(request.POST, brokers=sel.brokers())
    if form.is_valid():
        try:
            services.deal_assign_broker(
                deal=deal, broker=form.cleaned_data["broker"], by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("已指派技术经纪人。"))
            return redirect(deal.get_absolute_url())
    return _detail_page(request, deal, status=400, broker_form=form)


@login_required
@require_safe
def deal_attachment(request: HttpRequest, pk: int, message_id: int) -> FileResponse:
    """A message's attachment, only to those who see the deal, with safe headers."""
    deal = _deal(request, pk)
    message = DealMessage.objects.filter(deal=deal, pk=message_id).exclude(attachment="").first()
    if message is None:
        raise Http404
    extension = posixpath.splitext(message.attachment.name)[1].lower()
    content_type = ATTACHMENT_TYPES.get(extension)
    if content_type is None:
        raise Http404
    try:
        handle = message.attachment.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=extension == ".pdf",
        filename=message.attachment_name or f"attachment{extension}",
    )
    for header, value in SAFETY_HEADERS.items():
        response[header] = value
    return response


# --- notifications ------------------------------------------------------------------------------
@login_required
@require_safe
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(sel.notifications_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "marketplace/notifications.html",
        {"page": page, "unread": sel.unread_notification_count(request.user)},
    )


@login_required
@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    notice = sel.notifications_of(request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404
    services.notification_mark_read(user=request.user, notification=notice)
    target = notice.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = "marketplace:notification_list"
    return redirect(target)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notification_mark_read(user=request.user)
    return redirect("marketplace:notification_list")


def unread_notifications(request: HttpRequest) -> dict:
    """Context processor: ``unread_notifications`` for the nav, counted only when used."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": lambda: sel.unread_notification_count(user)}
