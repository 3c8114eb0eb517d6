from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from lib import text
from search import service
from search.backends.base import FACETS, SORTS
from search.documents import DOCUMENT_TYPES
from search.facet_labels import FACET_LABELS, Names
from search.pages import site_pages

PAGE_SIZE = 20
SORT_LABELS = {"relevance": _("相关度"), "newest": _("最新发布"), "oldest": _("最早发布")}


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _filters(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET[name] for name in FACETS if name != "type" and request.GET.get(name)}


def search_page(request: HttpRequest) -> HttpResponse:
    typed = text.clean(request.GET.get("q"))
    q, _cut = text.query_text(typed)  # what is searched (and saved); the service says so
    type_filter = request.GET.get("type") or None
    page = max(1, _int(request.GET.get("page"), 1))
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "relevance"
    filters = _filters(request)
    result = (
        service.search(
            typed,
            type_filter=type_filter,
            page=page,
            page_size=PAGE_SIZE,
            filters=filters,
            sort=sort,
            facets=True,
        )
        if q
        else None
    )
    type_labels = {t.name: t.label for t in DOCUMENT_TYPES.values()}
    for hit in result.hits if result else []:
        hit.type_label = type_labels.get(hit.type, "")
    names = Names()
    facets = [
        {
            "name": name,
            "label": FACET_LABELS[name],
            "selected": type_filter if name == "type" else filters.get(name),
            "values": names.values(name, values),
        }
        for name, values in (result.facets.items() if result else [])
        if values
    ]
    params = request.GET.copy()
    params.pop("page", None)
    # 保存此搜索: the form carries the search as it stands (query, type and facet filters).
    save_fields = [("q", q), *([("type", type_filter)] if type_filter else []), *filters.items()]
    return render(
        request,
        "search/search.html",
        {
            "q": q,
            "type_filter": type_filter,
            "types": DOCUMENT_TYPES.values(),
            "result": result,
            "page": page,
            "has_next": bool(result and page * PAGE_SIZE < result.count),
            "facets": facets,
            "sort": sort,
            "sorts": SORT_LABELS.items(),
            "query_string": params.urlencode(),
            "save_fields": save_fields,
            "site_pages": site_pages(q, request) if q else [],
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
        filters=_filters(request),
        sort=request.GET.get("sort") or "relevance",
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
