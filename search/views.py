from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from search import service
from search.documents import DOCUMENT_TYPES


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def search_page(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    type_filter = request.GET.get("type") or None
    page = _int(request.GET.get("page"), 1)
    result = service.search(q, type_filter=type_filter, page=page, page_size=20) if q else None
    return render(
        request,
        "search/search.html",
        {
            "q": q,
            "type_filter": type_filter,
            "types": DOCUMENT_TYPES.values(),
            "result": result,
            "page": page,
            "has_next": bool(result and page * 20 < result.count),
        },
    )


def search_api(request: HttpRequest) -> JsonResponse:
    type_filter = request.GET.get("type") or None
    if type_filter and type_filter not in DOCUMENT_TYPES:
        return JsonResponse({"error": f"type must be one of {sorted(DOCUMENT_TYPES)}"}, status=400)
    result = service.search(
        request.GET.get("q", ""),
        type_filter=type_filter,
        page=_int(request.GET.get("page"), 1),
        page_size=_int(request.GET.get("page_size"), 20),
    )
    return JsonResponse(
        {
            "count": result.count,
            "backend": result.backend,
            "took_ms": result.took_ms,
            "notice": result.notice,
            "results": [
                {
                    "id": h.id,
                    "type": h.type,
                    "title": h.title,
                    "url": request.build_absolute_uri(h.url),
                    "score": h.score,
                    "highlight": h.highlight,
                }
                for h in result.hits
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
