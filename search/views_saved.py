"""Saved searches and the in-site copy of the daily digest (spec §5)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from lib.errors import DomainError
from search import saved as saved_searches
from search.backends.base import FACETS
from search.documents import DOCUMENT_TYPES
from search.facet_labels import Names

PAGE_SIZE = 50


def search_url(saved) -> str:
    """The search page for a saved search."""
    params = {"q": saved.query, **({"type": saved.doc_type} if saved.doc_type else {})}
    return reverse("search:search") + "?" + urlencode({**params, **saved.filters})


@login_required
@require_safe
def saved_list(request: HttpRequest) -> HttpResponse:
    rows = list(saved_searches.saved_searches_of(request.user))
    labels = {t.name: t.label for t in DOCUMENT_TYPES.values()}
    names = Names()
    for row in rows:
        row.search_url = search_url(row)
        row.type_label = labels.get(row.doc_type, "")
        row.filter_labels = [names.label(name, value) for name, value in row.filters.items()]
    return render(
        request,
        "search/saved.html",
        {"saved_searches": rows, "limit": saved_searches.MAX_SAVED_SEARCHES},
    )


@login_required
@require_POST
def saved_create(request: HttpRequest) -> HttpResponse:
    filters = {name: request.POST[name] for name in FACETS if request.POST.get(name)}
    filters.pop("type", None)
    try:
        saved = saved_searches.saved_search_create(
            user=request.user,
            query=request.POST.get("q", ""),
            doc_type=request.POST.get("type", ""),
            filters=filters,
        )
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("search:saved_list")
    message = _("已保存搜索“%(q)s”。有新的结果时，我们会在每日摘要中通知您。")
    messages.success(request, message % {"q": saved.query})
    return redirect("search:saved_list")


@login_required
@require_POST
def saved_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = saved_searches.saved_searches_of(request.user).filter(pk=pk).first()
    if saved is None:  # someone else's, or gone: nothing to say about it
        raise Http404
    saved_searches.saved_search_delete(saved=saved, by=request.user)
    messages.success(request, _("已删除保存的搜索“%(q)s”。") % {"q": saved.query})
    return redirect("search:saved_list")


@login_required
@require_safe
def alert_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(saved_searches.alerts_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "search/alerts.html", {"page": page})
