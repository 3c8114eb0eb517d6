"""Two-sided matching (spec §5): ranked achievements for a need or challenge, and ranked
needs and challenges for an achievement, each with a per-factor explanation.

1. Candidates by text: the source's title and text become a match query
   (``search.matching``: its most telling words plus feedback words) ranked
   by the configured backend, which falls back to the database backend when
   Elasticsearch cannot answer; the first candidates are re-ranked by topic
   similarity to the source (``search.topics``).
2. The candidates are loaded from the database: only published listings
   survive (an index a moment behind never shows a withdrawn one), never the
   source itself, never a match the source's organisation dismissed.
3. Each candidate is scored by ``search.explain``: text relevance told
   through the shared key terms, field, TRL fit, price vs. budget,
   cooperation modes and region; the best ``limit`` are returned.

A page costs a fixed number of queries whatever the limit: the dismissals,
the code lists it needs, and per target type one query for the listings and
one for their cooperation modes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from marketplace.models import Achievement, CooperationMode, MaturityStage, Need
from search import analysis, matching
from search.backends import SearchUnavailable, get_backend
from search.backends.base import Ranked, SearchBackend
from search.documents import (
    DOCUMENT_TYPES,
    DocumentType,
    cooperation_mode_ids,
    document_type_for,
    url_of,
)
from search.explain import Factor, Facts, explain
from search.models import MatchDismissal
from search.query import WORDS

logger = logging.getLogger(__name__)

# What each kind of listing is matched against (spec §5).
MATCH_TARGETS: dict[str, tuple[str, ...]] = {
    "need": ("achievement",),
    "challenge": ("achievement",),
    "achievement": ("need", "challenge"),
}
CANDIDATES = 30  # text candidates re-scored with the other factors
# Candidates this far below the best text match share too little to be called a match.
MIN_RELEVANCE = 0.1
MAX_CANDIDATES = 200  # however many matches were dismissed
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
CACHE_SECONDS = 5 * 60  # a new listing shows up in others' matches within five minutes


@dataclass
class Match:
    type: str
    id: int
    title: str
    url: str
    score: float
    factors: list[Factor]
    listing: Any = None  # the target listing (templates show its organisation, field …)

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "url": self.url,
            "score": self.score,
            "explanation": [f.as_dict() for f in self.factors],
        }


@dataclass
class MatchList:
    source_type: str
    source: Any
    items: list[Match] = field(default_factory=list)
    backend: str = ""
    notice: str = ""


# --- what a listing is to the matcher ---------------------------------------------------------
# An awarded challenge becomes a technology-development contract (spec §4): these modes.
CHALLENGE_MODES = ("commissioned_development", "joint_development")


class CodeLists:
    """The code-list words matching reads (at most two queries per page, whatever the
    matches; each is read only when a listing needs it)."""

    @cached_property
    def stage_words(self) -> list[tuple[str, MaturityStage]]:
        words = []
        for stage in MaturityStage.objects.active():
            for word in [stage.name, *(stage.aliases or [])]:
                if word:
                    words.append((analysis.normalise(word), stage))
        return words

    @cached_property
    def modes(self) -> dict[int, tuple[str, str]]:
        """Every cooperation mode (pk → code, name) in the code list's own order."""
        return {
            pk: (code, name)
            for pk, code, name in CooperationMode.objects.values_list("pk", "code", "name")
        }

    @cached_property
    def challenge_modes(self) -> dict[str, str]:
        return {code: name for code, name in self.modes.values() if code in CHALLENGE_MODES}

    def wanted(self, text: str) -> MaturityStage | None:
        """The most mature stage the text names (asking for 中试 or 量产 means at least that)."""
        text = analysis.normalise(text)
        found = [stage for word, stage in self.stage_words if word in text]
        return max(found, key=lambda s: (s.trl_min, s.trl_max), default=None)


def listing_text(doc_type: DocumentType, listing: Any) -> str:
    """What the listing says, as the index holds it: its title and text."""
    doc = doc_type.to_document(listing, stages=())  # (no facet is read here)
    return f"{doc['title']}\n{doc['text']}"


def _modes_of(listing: Any) -> dict[str, str]:
    return {m.code: m.name for m in listing.cooperation_modes.all()}


def facts_of(
    type_name: str,
    listing: Any,
    codes: CodeLists,
    *,
    modes: dict[str, str] | None = None,
    url: str | None = None,
) -> Facts:
    """What matching compares of ``listing``; ``modes`` (code → name) and ``url`` if the
    caller read them already (see ``_load``), else from the listing."""
    tech_field = listing.tech_field
    top = tech_field.top if tech_field else None
    facts = Facts(
        type=type_name,
        id=listing.pk,
        title=listing.title,
        url=url if url is not None else listing.get_absolute_url(),
        organisation_id=listing.organisation_id,
        field_id=tech_field.pk if tech_field else None,
        field_name=tech_field.name if tech_field else "",
        top_field_id=top.pk if top else None,
        top_field_name=top.name if top else "",
        region=listing.organisation.region_code or "",
    )
    if isinstance(listing, Achievement):
        facts.is_supply = True
        facts.trl = listing.trl
        facts.price = listing.price
        facts.modes = _modes_of(listing) if modes is None else modes
        return facts
    if isinstance(listing, Need):
        facts.budget_min, facts.budget_max = listing.budget_min, listing.budget_max
        facts.modes = _modes_of(listing) if modes is None else modes
        wanted_text = " ".join([listing.title, listing.description, listing.targets])
    else:  # a challenge: the bounty (榜金) is what the issuer pays, for development work
        facts.budget_max = listing.bounty_total or None
        facts.is_bounty = True
        facts.modes = dict(codes.challenge_modes)
        wanted_text = " ".join(
            [listing.title, listing.background, listing.research_content, listing.deliverables]
        )
    stage = codes.wanted(wanted_text)
    if stage is not None:
        facts.wanted_trl = (stage.trl_min, stage.trl_max)
        facts.wanted_stage = stage.name
    return facts


# --- reads ------------------------------------------------------------------------------------
def target_types(source_type: str) -> list[str]:
    return [t for t in MATCH_TARGETS.get(source_type, ()) if t in DOCUMENT_TYPES]


def dismissed_targets(source_type: str, source_id: int) -> set[tuple[str, int]]:
    return set(
        MatchDismissal.objects.filter(source_type=source_type, source_id=source_id).values_list(
            "target_type", "target_id"
        )
    )


@dataclass(frozen=True)
class Candidate:
    """A listing the text ranking proposes, with the query words both listings contain."""

    type: str
    id: int
    score: float
    shared: tuple[str, ...]


def _candidates(backend: SearchBackend, text: str, types: list[str], limit: int) -> list[Candidate]:
    """Text candidates, best first."""
    query = matching.match_query(text, backend, types=types)
    if not query:
        return []
    weights: dict[str, float] = {}
    for clause in query.clauses:
        if clause.field == WORDS:
            weights[clause.term] = weights.get(clause.term, 0.0) + clause.weight
    source_words = set(analysis.words(text))
    return [
        Candidate(r.type, r.id, r.score, _shared_terms(source_words, weights, r))
        for r in matching.ranked(backend, query, text, types=types, limit=limit)
    ]


def _shared_terms(
    source_words: set[str], weights: dict[str, float], item: Ranked
) -> tuple[str, ...]:
    """Query words both listings contain, the most telling first."""
    target_words = set(item.words.split())
    shared = [w for w in weights if w in source_words and w in target_words]
    # 锂电池 says what 锂电 and 电池 (its search-mode sub-words) would repeat.
    shared = [w for w in shared if not any(w != o and w in o for o in shared)]
    return tuple(sorted(shared, key=lambda w: (-weights[w], w)))


def _ranked(
    source_key: str, text: str, types: list[str], limit: int, *, cached: bool
) -> tuple[list[Candidate], str, str]:
    """Candidates from the configured backend, or from the database if Elasticsearch is down.

    The text ranking is the expensive part of a match list (several index round trips),
    so it is cached for ``CACHE_SECONDS`` per version of the source listing; what is
    shown of it (published targets, dismissals, the other factors) is read afresh.
    """
    backend = get_backend()
    key = f"search:match:{backend.name}:{source_key}:{','.join(types)}:{limit}"
    if cached and (hit := cache.get(key)) is not None:
        return hit, backend.name, ""
    try:
        candidates = _candidates(backend, text, types, limit)
    except SearchUnavailable:
        if backend.name == "database":
            raise
        logger.warning("Elasticsearch unavailable; matching from the database", exc_info=True)
        notice = _("全文检索服务暂时不可用，以下匹配结果来自数据库检索。")
        return _candidates(get_backend("database"), text, types, limit), "database", notice
    cache.set(key, candidates, CACHE_SECONDS)  # a fallback answer is never cached
    return candidates, backend.name, ""


# The columns facts_of (and the pages showing a match) read: a listing row is wide, and
# loading the candidates is a good part of a match list's time.
_LOADED = (
    "id",
    "title",
    "status",
    "published_at",
    "updated_at",
    "organisation",
    "organisation__name",
    "organisation__kind",
    "organisation__region_code",
    "tech_field",
    "tech_field__name",
    "tech_field__parent",
    "tech_field__parent__name",
)
_LOADED_OWN = {
    "achievement": ("trl", "price"),
    "need": ("description", "targets", "budget_min", "budget_max"),
    "challenge": (
        "background",
        "research_content",
        "deliverables",
        "bounty_enterprise",
        "bounty_subsidy",
    ),
}


@dataclass
class Loaded:
    """Published candidates of one type by id, with their cooperation modes and URLs."""

    listings: dict[int, Any] = field(default_factory=dict)
    modes: dict[int, dict[str, str]] | None = None  # None: the type has no modes of its own
    urls: dict[int, str] = field(default_factory=dict)


def _load(type_name: str, ids: list[int], codes: CodeLists) -> Loaded:
    """One query for the rows (and one for their modes), whatever the number of candidates."""
    if not ids:
        return Loaded()
    doc_type = DOCUMENT_TYPES[type_name]
    qs = doc_type.public_queryset().filter(pk__in=ids).select_related(None).prefetch_related(None)
    qs = qs.select_related("organisation", "tech_field", "tech_field__parent")
    loaded = Loaded(listings={obj.pk: obj for obj in qs.only(*_LOADED, *_LOADED_OWN[type_name])})
    if "cooperation_modes" in doc_type.prefetch:
        # The through table's ids, named and ordered from the code list (a prefetch would
        # build a model instance per mode per listing).
        mode_ids = cooperation_mode_ids(doc_type.model, list(loaded.listings))
        owned = {pk: set(mode_ids.get(pk, ())) for pk in loaded.listings}
        loaded.modes = {
            pk: {code: name for m, (code, name) in codes.modes.items() if m in ids_}
            for pk, ids_ in owned.items()
        }
    url = url_of(doc_type.model)
    loaded.urls = {pk: url(pk) for pk in loaded.listings}
    return loaded


def matches_for(source: Any, *, limit: int = DEFAULT_LIMIT, cached: bool = True) -> MatchList:
    """The listings that best answer ``source``, best first, each with its explanation."""
    doc_type = document_type_for(type(source))
    if doc_type is None:
        raise ValueError(f"{type(source).__name__} is not a searchable listing")
    limit = max(1, min(limit, MAX_LIMIT))
    result = MatchList(source_type=doc_type.name, source=source)
    types = target_types(doc_type.name)
    if not types:
        return result
    excluded = dismissed_targets(doc_type.name, source.pk) | {(doc_type.name, source.pk)}
    size = min(MAX_CANDIDATES, max(CANDIDATES, limit) + len(excluded))
    version = source.updated_at.timestamp() if source.updated_at else 0
    candidates, result.backend, result.notice = _ranked(
        f"{doc_type.name}:{source.pk}:{version}",
        listing_text(doc_type, source),
        types,
        size,
        cached=cached,
    )
    items = [c for c in candidates if (c.type, c.id) not in excluded]
    if not items:
        return result

    codes = CodeLists()
    loaded = {t: _load(t, [c.id for c in items if c.type == t], codes) for t in types}
    # Unpublished or deleted since they were indexed: gone before anything is compared.
    items = [c for c in items if c.id in loaded[c.type].listings]
    source_facts = facts_of(doc_type.name, source, codes)
    best = max((c.score for c in items), default=0.0) or 1.0
    matches = []
    for item in items:
        if item.score < MIN_RELEVANCE * best:
            continue  # hardly related
        rows = loaded[item.type]
        listing = rows.listings[item.id]
        modes = None if rows.modes is None else rows.modes[item.id]
        target = facts_of(item.type, listing, codes, modes=modes, url=rows.urls[item.id])
        factors = explain(
            source_facts, target, shared=list(item.shared), relevance=item.score / best
        )
        score = round(sum(f.weight for f in factors), 1)
        matches.append(Match(item.type, item.id, target.title, target.url, score, factors, listing))
    matches.sort(key=lambda m: -m.score)  # stable: equal scores keep the text order
    result.items = matches[:limit]
    return result
