"""Public and owner pages for listings. Rules live in selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.selectors import is_bureau_staff
from marketplace import selectors, services
from marketplace.forms import AchievementEditForm

PAGE_SIZE = 20


def _page(request: HttpRequest, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def achievement_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.published_achievements())
    return render(request, "marketplace/achievement_list.html", {"page": page})


def achievement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = selectors.achievements_visible_to(request.user).filter(pk=pk).first()
    if achievement is None:
        raise Http404
    return render(
        request,
        "marketplace/achievement_detail.html",
        {
            "achievement": achievement,
            "can_edit": selectors.can_edit_listing(request.user, achievement),
        },
    )


@login_required
def achievement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = selectors.achievements_visible_to(request.user).filter(pk=pk).first()
    if achievement is None:
        raise Http404
    if not selectors.can_edit_listing(request.user, achievement):
        # Staff may see every listing but only its organisation edits it.
        if is_bureau_staff(request.user):
            raise PermissionDenied
        raise Http404
    form = AchievementEditForm(request.POST or None, instance=achievement)
    if request.method == "POST" and form.is_valid():
        services.achievement_update(
            achievement=achievement, by=request.user, data=form.cleaned_data
        )
        messages.success(request, _("成果已保存。"))
        return redirect(achievement.get_absolute_url())
    return render(
        request, "marketplace/achievement_edit.html", {"achievement": achievement, "form": form}
    )


def need_list(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.published_needs())
    return render(request, "marketplace/need_list.html", {"page": page})


def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.needs_visible_to(request.user).filter(pk=pk).first()
    if need is None:
        raise Http404
    return render(request, "marketplace/need_detail.html", {"need": need})
