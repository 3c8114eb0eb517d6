"""Owners' pages (spec §10): 我的成果 / 我的需求, new, edit, submit, archive.

Achievements and needs share one set of views, configured by ``Kind``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marketplace import permissions, selectors
from marketplace.forms import AchievementForm, IPItemFormSet, NeedForm, ip_items_data
from marketplace.models import Achievement, ListingRevision, Need
from marketplace.services import files as file_services
from marketplace.services import listings as services


@dataclass(frozen=True)
class Kind:
    model: type
    form: type
    name: str  # url-name prefix
    label: object
    mine_label: object

    def visible(self, user):
        if self.model is Achievement:
            return selectors.achievements_visible_to(user)
        return selectors.needs_visible_to(user)


ACHIEVEMENT = Kind(
    Achievement, AchievementForm, "achievement", gettext_lazy("科技成果"), gettext_lazy("我的成果")
)
NEED = Kind(Need, NeedForm, "need", gettext_lazy("技术需求"), gettext_lazy("我的需求"))


def _owned(request: HttpRequest, kind: Kind, pk: int):
    """The listing if this person may change it: 404 if they may not see it, 403 for staff."""
    listing = kind.visible(request.user).filter(pk=pk).first()
    if listing is None:
        raise Http404
    if not permissions.can_edit(request.user, listing):
        if permissions.can_review(request.user):
            raise PermissionDenied  # staff may read it but only its organisation edits
        raise Http404
    return listing


def _ip_formset(request: HttpRequest, kind: Kind, listing=None):
    """IP items are entered with achievements only."""
    if kind.model is not Achievement:
        return None
    initial = (
        [
            {"ip_type": i.ip_type_id, "number": i.number, "status": i.status}
            for i in listing.ip_items.all()
        ]
        if listing
        else []
    )
    return IPItemFormSet(request.POST or None, prefix="ip", initial=initial)


def _save_uploads(form, listing, by) -> None:
    if form.cleaned_data.get("image"):
        file_services.listing_add_image(
            listing=listing,
            by=by,
            file=form.cleaned_data["image"],
            alt_text=form.cleaned_data.get("image_alt") or listing.title,
        )
    if form.cleaned_data.get("attachment"):
        file_services.listing_add_attachment(
            listing=listing,
            by=by,
            file=form.cleaned_data["attachment"],
            title=form.cleaned_data.get("attachment_title") or listing.title,
        )


def _form_page(request, kind: Kind, form, formset, listing=None, status=200) -> HttpResponse:
    return render(
        request,
        "marketplace/listing_form.html",
        {
            "kind": kind,
            "form": form,
            "formset": formset,
            "listing": listing,
            "pending_revision": selectors.pending_revision(listing) if listing else None,
        },
        status=status,
    )


def _new(request: HttpRequest, kind: Kind) -> HttpResponse:
    organisations = permissions.publishing_organisations(request.user, kind.model)
    if not organisations:
        return render(request, "marketplace/no_organisation.html", {"kind": kind}, status=403)
    form = kind.form(request.POST or None, request.FILES or None, organisations=organisations)
    formset = _ip_formset(request, kind)
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        data = form.listing_data()
        if kind.model is Achievement:
            data["ip_items"] = ip_items_data(formset)
        try:
            with transaction.atomic():
                listing = services.listing_create(
                    model=kind.model,
                    organisation=form.cleaned_data["organisation"],
                    by=request.user,
                    data=data,
                )
                _save_uploads(form, listing, request.user)
                if "submit" in request.POST:
                    services.listing_submit(listing=listing, by=request.user)
        except ValidationError as exc:  # a rule in the services refused it
            form.add_error(None, exc.messages)
        else:
            submitted = "submit" in request.POST
            messages.success(
                request, _("已提交审核，审核通过后公开。") if submitted else _("草稿已保存。")
            )
            return redirect(listing.get_absolute_url())
    return _form_page(request, kind, form, formset, status=400 if request.method == "POST" else 200)


def _edit(request: HttpRequest, kind: Kind, pk: int) -> HttpResponse:
    listing = _owned(request, kind, pk)
    organisations = [listing.organisation]
    # The form works on its own copy: a rejected POST must not leave typed values on `listing`.
    form = kind.form(
        request.POST or None,
        request.FILES or None,
        instance=kind.model.objects.get(pk=listing.pk),
        organisations=organisations,
    )
    formset = _ip_formset(request, kind, listing)
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        data = form.listing_data()
        if kind.model is Achievement:
            data["ip_items"] = ip_items_data(formset)
        try:
            with transaction.atomic():
                result = services.listing_update(listing=listing, by=request.user, data=data)
                _save_uploads(form, listing, request.user)
                if "submit" in request.POST and not isinstance(result, ListingRevision):
                    services.listing_submit(listing=listing, by=request.user)
        except ValidationError as exc:  # a rule in the services refused it
            form.add_error(None, exc.messages)
        else:
            if isinstance(result, ListingRevision):
                messages.success(request, _("修改已提交审核；审核通过前，公开页面仍显示原内容。"))
            elif "submit" in request.POST:
                messages.success(request, _("已提交审核，审核通过后公开。"))
            else:
                messages.success(request, _("已保存。"))
            return redirect(listing.get_absolute_url())
    return _form_page(
        request, kind, form, formset, listing, status=400 if request.method == "POST" else 200
    )


def _mine(request: HttpRequest, kind: Kind) -> HttpResponse:
    qs = selectors.listings_of_user(request.user, kind.model)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    can_create = bool(permissions.publishing_organisations(request.user, kind.model))
    return render(
        request,
        "marketplace/listing_mine.html",
        {"kind": kind, "page": page, "can_create": can_create},
    )


def _transition(request: HttpRequest, kind: Kind, pk: int, action) -> HttpResponse:
    listing = _owned(request, kind, pk)
    try:
        action(listing=listing, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        submitted = action is services.listing_submit
        messages.success(request, _("已提交审核，审核通过后公开。") if submitted else _("已归档。"))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = listing.get_absolute_url()  # a page of this site, never another one
    return redirect(target)


@login_required
def achievement_new(request):
    return _new(request, ACHIEVEMENT)


@login_required
def achievement_edit(request, pk: int):
    return _edit(request, ACHIEVEMENT, pk)


@login_required
def achievement_mine(request):
    return _mine(request, ACHIEVEMENT)


@login_required
@require_POST
def achievement_submit(request, pk: int):
    return _transition(request, ACHIEVEMENT, pk, services.listing_submit)


@login_required
@require_POST
def achievement_archive(request, pk: int):
    return _transition(request, ACHIEVEMENT, pk, services.listing_archive)


@login_required
def need_new(request):
    return _new(request, NEED)


@login_required
def need_edit(request, pk: int):
    return _edit(request, NEED, pk)


@login_required
def need_mine(request):
    return _mine(request, NEED)


@login_required
@require_POST
def need_submit(request, pk: int):
    return _transition(request, NEED, pk, services.listing_submit)


@login_required
@require_POST
def need_archive(request, pk: int):
    return _transition(request, NEED, pk, services.listing_archive)
