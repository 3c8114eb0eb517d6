"""What each searchable model looks like to a search backend.

One ``DocumentType`` per kind of listing: which model, which rows are public,
and how a row becomes a flat document. Both backends read these.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from marketplace.filters import money_bands
from marketplace.models import (
    Achievement,
    Challenge,
    CooperationMode,
    Disclosure,
    ListingStatus,
    MaturityStage,
    Need,
)
from search.analysis import strip_html

StageRanges = tuple[tuple[int, int], ...]


def stage_ranges() -> StageRanges:
    """The TRL ranges of the active maturity stages (the list pages' 技术成熟度 filter)."""
    return tuple(MaturityStage.objects.active().values_list("trl_min", "trl_max"))


def trl_band(trl: int | None, ranges: StageRanges) -> str:
    """The stage range a TRL falls in, as ``min-max`` (the TRL band facet); "" if none."""
    if trl is not None:
        for low, high in ranges:
            if low <= trl <= high:
                return f"{low}-{high}"
    return ""


@dataclass(frozen=True)
class DocumentType:
    name: str
    label: str
    model: type[Model]
    # Related rows a document reads (prefetched, so a batch costs one query each).
    prefetch: tuple[str, ...] = ("cooperation_modes",)

    def public_queryset(self) -> QuerySet:
        # Achievements and needs: 已发布; challenges: 已发榜 and open (the same word).
        return (
            self.model.objects.filter(status=ListingStatus.PUBLISHED)
            .select_related("organisation", "tech_field", "tech_field__parent", "industry")
            .prefetch_related(*self.prefetch)
        )

    def public_versions(self) -> dict[int, Any]:
        """Every public id and its ``updated_at``: what the index should hold (reconcile)."""
        return dict(self.public_queryset().order_by().values_list("pk", "updated_at"))

    def to_document(self, obj: Any, *, stages: StageRanges | None = None) -> dict[str, Any]:
        """A flat document: ``title``/``text`` are what is searched, the rest are facets
        (``stages``: ``stage_ranges()``, read once by a caller doing many)."""
        band = ""
        if self.model is Achievement:
            parts = [obj.summary, strip_html(obj.description), obj.problem, obj.advantages]
            parts += [obj.application_scope]
            band = trl_band(obj.trl, stage_ranges() if stages is None else stages)
            money = money_bands(obj.price, obj.price)
        elif self.model is Challenge:
            parts = [obj.background, obj.research_content, obj.deliverables]
            parts += [" ".join(f"{k.indicator}{k.unit}" for k in obj.kpis.all())]
            bounty = obj.bounty_total or None  # no bounty given: 面议
            money = money_bands(bounty, bounty)
        else:
            parts = [obj.description, obj.targets]
            money = money_bands(obj.budget_min, obj.budget_max)
        parts.append(" ".join(obj.keywords or []))
        # An anonymised need must not reveal its enterprise, not even as a facet (spec §3).
        anonymous = self.model is Need and obj.disclosure != Disclosure.PUBLIC
        return {
            "id": obj.pk,
            "type": self.name,
            "title": obj.title,
            "text": "\n".join(p.strip() for p in parts if p and p.strip()),
            "tech_field": obj.tech_field.top.name if obj.tech_field else "",
            "tech_subfield": obj.tech_field.name if obj.tech_field else "",
            "industry": obj.industry.name if obj.industry else "",
            "organisation": "" if anonymous else obj.organisation.name,
            "organisation_kind": obj.organisation.kind,
            "region": obj.organisation.region_code,
            "cooperation_modes": (
                [m.name for m in obj.cooperation_modes.all()]
                if "cooperation_modes" in self.prefetch
                else []
            ),
            "trl_band": band,
            "price_band": money,
            "published_at": obj.published_at.isoformat() if obj.published_at else None,
            # What the reconcile task compares with the row (search/reconcile.py).
            "updated_at": obj.updated_at.isoformat() if obj.updated_at else None,
            "url": obj.get_absolute_url(),
        }


DOCUMENT_TYPES: dict[str, DocumentType] = {
    "achievement": DocumentType("achievement", _("科技成果"), Achievement),
    "need": DocumentType("need", _("技术需求"), Need),
    # 揭榜挂帅 (spec §4): searched and matched like needs while they take applications.
    "challenge": DocumentType("challenge", _("揭榜挂帅"), Challenge, prefetch=("kpis",)),
}


def document_type_for(model: type[Model]) -> DocumentType | None:
    for doc_type in DOCUMENT_TYPES.values():
        if doc_type.model is model:
            return doc_type
    return None


def resolve_types(type_filter: str | None) -> list[DocumentType]:
    if type_filter and type_filter in DOCUMENT_TYPES:
        return [DOCUMENT_TYPES[type_filter]]
    return list(DOCUMENT_TYPES.values())


def iter_documents(doc_type: DocumentType, ids: Iterable[int] | None = None):
    """``to_document`` of every public row (of ``ids`` only, if given), in the queryset's order."""
    qs = doc_type.public_queryset()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    if doc_type.model in _ROW_FIELDS:
        yield from _documents_from_values(doc_type, qs)
        return
    stages = stage_ranges()
    for obj in qs.iterator(chunk_size=500):  # prefetches apply per chunk
        yield doc_type.to_document(obj, stages=stages)


# --- the rebuild's fast path: the same documents from plain rows ------------------------
# A rebuild reads every listing: building a model instance (and four related ones) and
# reversing a URL per row cost more than analysing its text. These read only the
# columns to_document uses, as tuples, and must give exactly what it gives
# (tests/search/test_database_backend.py compares the two): a change to to_document
# for achievements or needs belongs here too.
_ROW_FIELDS: dict[type[Model], tuple[str, ...]] = {
    Achievement: (
        "summary",
        "description",
        "problem",
        "advantages",
        "application_scope",
        "trl",
        "price",
    ),
    Need: ("description", "targets", "disclosure", "budget_min", "budget_max"),
}
_COMMON_FIELDS = (
    "pk",
    "title",
    "keywords",
    "tech_field_id",
    "tech_field__name",
    "tech_field__parent_id",
    "tech_field__parent__name",
    "industry_id",
    "industry__name",
    "organisation__name",
    "organisation__kind",
    "organisation__region_code",
    "published_at",
    "updated_at",
)
_CHUNK = 2000
_URL_PROBE = 918273645  # a pk no URL holds otherwise: its place in the URL is the pk's


def url_of(model: type[Model]):
    """``lambda pk: model(pk=pk).get_absolute_url()``, without reversing a URL per row
    (a listing's URL depends on its pk only)."""
    head, mark, tail = model(pk=_URL_PROBE).get_absolute_url().partition(str(_URL_PROBE))
    if not mark or str(_URL_PROBE) in tail:
        return lambda pk: model(pk=pk).get_absolute_url()
    return lambda pk: f"{head}{pk}{tail}"


def cooperation_mode_ids(model: type[Model], ids: list[int]) -> dict[int, list[int]]:
    """The cooperation mode ids of each of ``ids`` (one query for a chunk of listings)."""
    through = model._meta.get_field("cooperation_modes").remote_field.through
    source = f"{model._meta.model_name}_id"
    modes: dict[int, list[int]] = {}
    rows = through.objects.filter(**{f"{source}__in": ids}).values_list(
        source, "cooperationmode_id"
    )
    for listing_id, mode_id in rows:
        modes.setdefault(listing_id, []).append(mode_id)
    return modes


def _documents_from_values(doc_type: DocumentType, qs: QuerySet) -> Iterator[dict[str, Any]]:
    model = doc_type.model
    own = _ROW_FIELDS[model]
    rows = qs.select_related(None).prefetch_related(None).values_list(*_COMMON_FIELDS, *own)
    url = url_of(model)
    with_modes = "cooperation_modes" in doc_type.prefetch
    # Mode names and CooperationMode's own order (the order a prefetch lists them in).
    names: dict[int, str] = {}
    order: dict[int, int] = {}
    if with_modes:
        for i, (pk, name) in enumerate(CooperationMode.objects.values_list("pk", "name")):
            names[pk], order[pk] = name, i
    is_need = model is Need
    stages = stage_ranges()
    iterator = rows.iterator(chunk_size=_CHUNK)
    while chunk := list(islice(iterator, _CHUNK)):
        modes = cooperation_mode_ids(model, [r[0] for r in chunk]) if with_modes else {}
        for row in chunk:
            (pk, title, keywords, tf_id, tf_name, tf_parent_id, tf_parent_name) = row[:7]
            (ind_id, ind_name, org_name, org_kind, org_region, published, updated) = row[7:14]
            if is_need:
                description, targets, disclosure, budget_min, budget_max = row[14:]
                parts = [description, targets]
                anonymous = disclosure != Disclosure.PUBLIC
                band, money = "", money_bands(budget_min, budget_max)
            else:
                summary, description, problem, advantages, scope, trl, price = row[14:]
                parts = [summary, strip_html(description), problem, advantages, scope]
                anonymous = False
                band, money = trl_band(trl, stages), money_bands(price, price)
            parts.append(" ".join(keywords or []))
            mode_ids = modes.get(pk)
            if mode_ids and len(mode_ids) > 1:
                mode_ids.sort(key=order.__getitem__)
            yield {
                "id": pk,
                "type": doc_type.name,
                "title": title,
                "text": "\n".join(p.strip() for p in parts if p and p.strip()),
                "tech_field": ""
                if tf_id is None
                else (tf_parent_name if tf_parent_id else tf_name),
                "tech_subfield": "" if tf_id is None else tf_name,
                "industry": "" if ind_id is None else ind_name,
                "organisation": "" if anonymous else org_name,
                "organisation_kind": org_kind,
                "region": org_region,
                "cooperation_modes": [names[m] for m in mode_ids] if mode_ids else [],
                "trl_band": band,
                "price_band": money,
                "published_at": published.isoformat() if published else None,
                "updated_at": updated.isoformat() if updated else None,
                "url": url(pk),
            }
