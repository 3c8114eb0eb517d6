"""Matches of a listing: the JSON API (spec §10) and dismissing a match from a detail page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from lib.errors import DomainError, NotAllowed
from search import dismissals, engine
from search.backends import SearchUnavailable
from search.sources import visible_source


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


@require_safe
def matches_api(request: HttpRequest, type_name: str, pk: int) -> JsonResponse:
    """``GET /api/v1/<needs|achievements|challenges>/<id>/matches``: ranked, explained matches."""
    source = visible_source(request.user, type_name, pk)
    if source is None:
        raise Http404
    limit = _int(request.GET.get("limit"), engine.DEFAULT_LIMIT)
    try:
        result = engine.matches_for(source, limit=limit)
    except SearchUnavailable:
        return JsonResponse(
            {"error": _("暂时无法计算匹配，请稍后再试。")},
            status=503,
            json_dumps_params={"ensure_ascii": False},
        )
    data = {
        "source": {
            "id": source.pk,
            "type": type_name,
            "title": source.title,
            "url": request.build_absolute_uri(source.get_absolute_url()),
        },
        "backend": result.backend,
        "notice": result.notice,
        "count": len(result.items),
        "results": [
            {**m.as_dict(), "url": request.build_absolute_uri(m.url)} for m in result.items
        ],
    }
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@login_required
@require_POST
def dismiss(request: HttpRequest, type_name: str, pk: int) -> HttpResponse:
    """不再推荐: the source's organisation hides one match for good."""
    source = visible_source(request.user, type_name, pk)
    if source is None:
        raise Http404
    target_type = request.POST.get("target_type", "")
    target_id = _int(request.POST.get("target_id"), 0)
    try:
        dismissals.match_dismiss(
            source=source, target_type=target_type, target_id=target_id, by=request.user
        )
    except NotAllowed as exc:
        raise PermissionDenied(" ".join(exc.messages)) from exc
    except DomainError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已忽略该匹配，今后不再推荐。"))
    return redirect(source.get_absolute_url() + "#matches")
