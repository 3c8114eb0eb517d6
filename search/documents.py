"""What each searchable model looks like to a search backend.

One ``DocumentType`` per kind of listing: which model, which rows are public,
and how a row becomes a flat document. Both backends read these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from marketplace.models import Achievement, Challenge, Disclosure, ListingStatus, Need
from search.analysis import strip_html


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

    def to_document(self, obj: Any) -> dict[str, Any]:
        """A flat document: ``title``/``text`` are what is searched, the rest are facets."""
        if self.model is Achievement:
            parts = [obj.summary, strip_html(obj.description), obj.problem, obj.advantages]
            parts += [obj.application_scope]
        elif self.model is Challenge:
            parts = [obj.background, obj.research_content, obj.deliverables]
            parts += [" ".join(f"{k.indicator}{k.unit}" for k in obj.kpis.all())]
        else:
            parts = [obj.description, obj.targets]
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
    qs = doc_type.public_queryset()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    for obj in qs.iterator(chunk_size=500):  # prefetches apply per chunk
        yield doc_type.to_document(obj)
