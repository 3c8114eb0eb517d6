"""How a facet and its values read to people: 高校 rather than ``university``, 温州市鹿城区
rather than ``330302``. The index keeps the codes (filters and saved searches use them)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind
from accounts.regions import region_label
from search.documents import DOCUMENT_TYPES

FACET_LABELS = {
    "type": _("类型"),
    "tech_field": _("技术领域"),
    "organisation_kind": _("机构类型"),
    "region": _("地区"),
    "cooperation_modes": _("合作方式"),
}


def value_label(facet: str, value: str) -> str:
    """A facet value as shown; a value the site has no name for shows as it is."""
    if facet == "type":
        doc_type = DOCUMENT_TYPES.get(value)
        return str(doc_type.label) if doc_type else value
    if facet == "organisation_kind":
        return str(OrganisationKind(value).label) if value in OrganisationKind.values else value
    if facet == "region":
        return region_label(value)
    return value
