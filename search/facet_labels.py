"""How a facet and its values read to people: 高校 rather than ``university``, 温州市鹿城区
rather than ``330302``, 小试（TRL 4–5） rather than ``4-5``. The index keeps the codes
(filters and saved searches use them)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import OrganisationKind
from accounts.regions import region_label
from marketplace.filters import MONEY_BAND_LABELS, stage_label
from marketplace.models import MaturityStage
from search.documents import DOCUMENT_TYPES

FACET_LABELS = {
    "type": _("类型"),
    "tech_field": _("技术领域"),
    "trl_band": _("技术成熟度"),
    "cooperation_modes": _("合作方式"),
    "price_band": _("价格/预算"),
    "organisation_kind": _("机构类型"),
    "region": _("地区"),
}


def _band_names(facet: str) -> dict[str, str] | None:
    """The bands of a band facet, named, in their own order (None: not a band facet)."""
    if facet == "trl_band":
        stages = MaturityStage.objects.active()
        return {f"{s.trl_min}-{s.trl_max}": stage_label(s) for s in stages}
    if facet == "price_band":
        return {key: str(label) for key, label in MONEY_BAND_LABELS}
    return None


class Names:
    """Facet values by name, for one page: each band facet's names are read once."""

    def __init__(self) -> None:
        self._bands: dict[str, dict[str, str] | None] = {}

    def bands(self, facet: str) -> dict[str, str] | None:
        if facet not in self._bands:
            self._bands[facet] = _band_names(facet)
        return self._bands[facet]

    def label(self, facet: str, value: str) -> str:
        """A facet value as shown; a value the site has no name for shows as it is."""
        if facet == "type":
            doc_type = DOCUMENT_TYPES.get(value)
            return str(doc_type.label) if doc_type else value
        if facet == "organisation_kind":
            kinds = OrganisationKind
            return str(kinds(value).label) if value in kinds.values else value
        if facet == "region":
            return region_label(value)
        bands = self.bands(facet)
        return bands.get(value, value) if bands is not None else value

    def values(self, facet: str, counts: dict[str, int]) -> list[dict[str, Any]]:
        """A facet's values with their names and counts: bands in their own order (cheap
        to dear, early to late), every other facet by count as the backend gave them."""
        bands = self.bands(facet)
        ranked = list(counts.items())
        if bands is not None:
            order = {key: i for i, key in enumerate(bands)}
            ranked.sort(key=lambda kv: order.get(kv[0], len(order)))
        return [{"value": v, "label": self.label(facet, v), "count": n} for v, n in ranked]
