"""``{% listing_matches listing %}``: the matches section of a listing's detail page.

Marketplace pages show matches without importing search (house style): their
templates load this library and call the tag.
"""

from __future__ import annotations

from typing import Any

from django import template

from search import dismissals, engine
from search.backends import SearchUnavailable
from search.documents import DOCUMENT_TYPES, document_type_for

register = template.Library()


@register.inclusion_tag("search/includes/matches.html", takes_context=True)
def listing_matches(context, listing: Any, limit: int = engine.DEFAULT_LIMIT) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    try:
        result = engine.matches_for(listing, limit=limit)
        unavailable = False
    except SearchUnavailable:  # neither backend answered: the page still shows, without matches
        doc_type = document_type_for(type(listing))
        result = engine.MatchList(source_type=doc_type.name if doc_type else "", source=listing)
        unavailable = True
    types = engine.target_types(result.source_type)
    return {
        "matches": result,
        "unavailable": unavailable,
        "target_labels": [DOCUMENT_TYPES[t].label for t in types],
        "type_labels": {t: DOCUMENT_TYPES[t].label for t in types},
        "can_dismiss": user is not None and dismissals.can_dismiss(user, listing),
        "source": listing,
        "several_types": len(types) > 1,
    }
