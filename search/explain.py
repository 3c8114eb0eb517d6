"""Why two listings match: one readable factor each for terms, field, TRL, price, modes, region.

Spec §5: every match carries "shared key terms, same field, TRL fit, price vs.
budget, cooperation-mode overlap, region". Each factor here is a pure function
of two ``Facts`` (what the engine read from the database) and returns a
``Factor``: its contribution to the match score (points out of 100, see
``WEIGHTS``) and a sentence a person can read, in the active language.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import get_language, gettext, gettext_lazy

from accounts.regions import PROVINCES, region_label
from marketplace.templatetags.money import money

# Points each factor can add to a match (they sum to 100). Text relevance is the
# main signal (it is what the candidates were found by); the others reorder them.
WEIGHTS = {
    "terms": 50.0,
    "field": 15.0,
    "trl": 10.0,
    "price": 10.0,
    "modes": 10.0,
    "region": 5.0,
}
LABELS = {
    "terms": gettext_lazy("共同关键词"),
    "field": gettext_lazy("技术领域"),
    "trl": gettext_lazy("技术成熟度"),
    "price": gettext_lazy("价格与预算"),
    "modes": gettext_lazy("合作方式"),
    "region": gettext_lazy("地区"),
}
SHOWN_TERMS = 5  # key terms named in the sentence
FULL_CONTEXT_AT = 0.5  # relative text relevance from which the other factors count fully
# A price this much above the budget's upper bound is still "close" (half the points).
CLOSE_ABOVE_BUDGET = Decimal("1.2")
# Licences differ only in exclusivity: a partial fit between them.
LICENCE_FAMILY = {"license", "license_exclusive", "license_sole"}


@lru_cache(maxsize=512)
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


# The active language, read once per explain() (each read goes through a context-local).
_language: ContextVar[str | None] = ContextVar("explain_language", default=None)


def _active_language() -> str | None:
    language = _language.get()
    return language if language is not None else get_language()


def _(message: str) -> str:
    """gettext, remembered per language: a Chinese msgid misses every catalogue in the
    fallback chain, and a match list asks for some 200 sentences."""
    return _translated(_active_language(), message)


@dataclass
class Facts:
    """What matching compares of one listing (read once per page, see search/engine.py)."""

    type: str
    id: int
    title: str
    url: str
    organisation_id: int
    field_id: int | None = None
    field_name: str = ""
    top_field_id: int | None = None
    top_field_name: str = ""
    trl: int | None = None  # what an achievement has
    wanted_trl: tuple[int, int] | None = None  # what a need or challenge asks for, if it says
    wanted_stage: str = ""
    price: Decimal | None = None  # an achievement's price; None is 面议
    budget_min: Decimal | None = None  # a need's budget range; both None is 面议
    budget_max: Decimal | None = None
    is_bounty: bool = False  # budget_max is a challenge's bounty (榜金)
    modes: dict[str, str] = field(default_factory=dict)  # code → name
    region: str = ""
    is_supply: bool = False  # an achievement (the side that offers)


@dataclass
class Factor:
    factor: str
    detail: str
    weight: float  # points this factor adds to the score

    @property
    def label(self) -> str:
        return str(LABELS[self.factor])

    def as_dict(self) -> dict:
        return {
            "factor": self.factor,
            "label": self.label,
            "detail": self.detail,
            "weight": round(self.weight, 1),
        }


def _names(words: list[str]) -> str:
    return "、".join(words)


@lru_cache(maxsize=2048)
def _money(language: str | None, amount: Decimal) -> str:
    return money(amount)


def _yuan(amount: Decimal) -> str:
    """Money as everywhere on the site (house style: one filter formats it), remembered per
    language: the filter's gettext walks the fallback chain, some 30 times a match list."""
    return _money(_active_language(), amount)


# --- the factors ---------------------------------------------------------------------------
def terms_factor(shared: list[str], relevance: float) -> Factor:
    """Text relevance (0–1 relative to the best candidate), told through the shared words."""
    points = WEIGHTS["terms"] * max(0.0, min(1.0, relevance))
    if shared:
        detail = _("双方都提到：%(terms)s") % {"terms": _names(shared[:SHOWN_TERMS])}
    else:
        detail = _("描述内容相近，但没有完全相同的关键词")
    return Factor("terms", detail, points)


def field_factor(a: Facts, b: Facts) -> Factor:
    if not a.top_field_id or not b.top_field_id:
        return Factor("field", _("一方未说明技术领域"), 0.0)
    if a.field_id == b.field_id:
        name = (
            a.field_name if a.field_id == a.top_field_id else f"{a.top_field_name} / {a.field_name}"
        )
        return Factor("field", _("同属“%(field)s”") % {"field": name}, WEIGHTS["field"])
    if a.top_field_id == b.top_field_id:
        return Factor(
            "field",
            _("同属“%(field)s”领域（细分方向不同）") % {"field": a.top_field_name},
            WEIGHTS["field"] * 2 / 3,
        )
    return Factor(
        "field",
        _("领域不同：%(a)s 与 %(b)s") % {"a": a.top_field_name, "b": b.top_field_name},
        0.0,
    )


def _supply_demand(a: Facts, b: Facts) -> tuple[Facts, Facts]:
    return (a, b) if a.is_supply else (b, a)


def trl_factor(a: Facts, b: Facts) -> Factor:
    """The achievement's TRL against the maturity the need (or challenge) says it wants."""
    supply, demand = _supply_demand(a, b)
    if demand.wanted_trl is None:
        if supply.trl:
            return Factor(
                "trl",
                _("需求未说明期望的成熟度（成果为 TRL %(trl)s）") % {"trl": supply.trl},
                0.0,
            )
        return Factor("trl", _("成熟度：双方均未说明"), 0.0)
    low, high = demand.wanted_trl
    wanted = {"stage": demand.wanted_stage, "low": low, "high": high}
    if not supply.trl:
        return Factor("trl", _("需求期望“%(stage)s”，成果未说明成熟度") % wanted, 0.0)
    values = {**wanted, "trl": supply.trl}
    if supply.trl >= low:
        return Factor(
            "trl",
            _("成果 TRL %(trl)s，达到需求期望的“%(stage)s”（TRL %(low)s 以上）") % values,
            WEIGHTS["trl"],
        )
    if supply.trl == low - 1:
        return Factor(
            "trl",
            _("成果 TRL %(trl)s，略低于需求期望的“%(stage)s”（TRL %(low)s）") % values,
            WEIGHTS["trl"] / 2,
        )
    return Factor(
        "trl",
        _("成果 TRL %(trl)s，低于需求期望的“%(stage)s”（TRL %(low)s）") % values,
        0.0,
    )


def price_factor(a: Facts, b: Facts) -> Factor:
    """The achievement's price against the need's budget range; 面议 on either side is open."""
    supply, demand = _supply_demand(a, b)
    if demand.is_bounty:
        return _bounty_factor(supply, demand)
    low, high = demand.budget_min, demand.budget_max
    if supply.price is None and low is None and high is None:
        return Factor("price", _("价格与预算均为面议"), WEIGHTS["price"] * 0.3)
    if supply.price is None:
        return Factor("price", _("成果价格面议，可按预算洽谈"), WEIGHTS["price"] * 0.3)
    price = {"price": _yuan(supply.price)}
    if low is None and high is None:
        return Factor(
            "price", _("成果报价 %(price)s，需求预算面议") % price, WEIGHTS["price"] * 0.3
        )
    if high is not None and supply.price > high:
        values = {**price, "high": _yuan(high)}
        if supply.price <= high * CLOSE_ABOVE_BUDGET:
            return Factor(
                "price",
                _("成果报价 %(price)s，略高于预算上限 %(high)s") % values,
                WEIGHTS["price"] / 2,
            )
        return Factor("price", _("成果报价 %(price)s，高于预算上限 %(high)s") % values, 0.0)
    if low is not None and supply.price < low:
        values = {**price, "low": _yuan(low)}
        return Factor(
            "price", _("成果报价 %(price)s，低于预算下限 %(low)s") % values, WEIGHTS["price"]
        )
    if low is not None and high is not None:
        values = {**price, "low": _yuan(low), "high": _yuan(high)}
        detail = _("成果报价 %(price)s，在预算 %(low)s 至 %(high)s 之内") % values
    elif high is not None:
        detail = _("成果报价 %(price)s，不超过预算上限 %(high)s") % {**price, "high": _yuan(high)}
    else:
        detail = _("成果报价 %(price)s，不低于预算下限 %(low)s") % {**price, "low": _yuan(low)}
    return Factor("price", detail, WEIGHTS["price"])


def _bounty_factor(supply: Facts, challenge: Facts) -> Factor:
    """A challenge pays its bounty (榜金) for development work: the price is a reference."""
    bounty = challenge.budget_max
    if bounty is None:
        return Factor("price", _("榜单未设榜金"), 0.0)
    values = {"bounty": _yuan(bounty)}
    if supply.price is None:
        return Factor("price", _("榜金 %(bounty)s，成果价格面议") % values, WEIGHTS["price"] * 0.3)
    values["price"] = _yuan(supply.price)
    if supply.price <= bounty:
        return Factor(
            "price", _("成果报价 %(price)s，不超过榜金 %(bounty)s") % values, WEIGHTS["price"]
        )
    return Factor("price", _("成果报价 %(price)s，高于榜金 %(bounty)s") % values, 0.0)


def modes_factor(a: Facts, b: Facts) -> Factor:
    if not a.modes or not b.modes:
        return Factor("modes", _("一方未说明合作方式"), 0.0)
    common = [name for code, name in a.modes.items() if code in b.modes]
    if common:
        return Factor("modes", _("都接受：%(modes)s") % {"modes": _names(common)}, WEIGHTS["modes"])
    licences_a = [n for c, n in a.modes.items() if c in LICENCE_FAMILY]
    licences_b = [n for c, n in b.modes.items() if c in LICENCE_FAMILY]
    if licences_a and licences_b:
        values = {"a": _names(licences_a), "b": _names(licences_b)}
        return Factor("modes", _("都接受技术许可（%(a)s／%(b)s）") % values, WEIGHTS["modes"] / 2)
    values = {"a": _names(list(a.modes.values())), "b": _names(list(b.modes.values()))}
    return Factor("modes", _("合作方式不同：%(a)s 与 %(b)s") % values, 0.0)


def region_factor(a: Facts, b: Facts) -> Factor:
    if len(a.region) != 6 or len(b.region) != 6:
        return Factor("region", _("一方未说明地区"), 0.0)
    if a.region == b.region:
        name = region_label(a.region)  # the district by name, others by province and code
        return Factor("region", _("同在%(district)s") % {"district": name}, WEIGHTS["region"])
    province = PROVINCES.get(a.region[:2], a.region[:2])
    if a.region[:4] == b.region[:4]:
        return Factor(
            "region",
            _("同一城市（%(province)s）") % {"province": province},
            WEIGHTS["region"] * 0.8,
        )
    if a.region[:2] == b.region[:2]:
        return Factor(
            "region", _("同在%(province)s") % {"province": province}, WEIGHTS["region"] * 0.6
        )
    other = PROVINCES.get(b.region[:2], b.region[:2])
    return Factor("region", _("不同省份：%(a)s 与 %(b)s") % {"a": province, "b": other}, 0.0)


def explain(source: Facts, target: Facts, *, shared: list[str], relevance: float) -> list[Factor]:
    """Every factor of one match, in the order a person reads them.

    Field, TRL, price, modes and region count fully for a candidate at least
    ``FULL_CONTEXT_AT`` as relevant as the best one and proportionally less
    below: a listing that shares one common word with the source is not lifted
    above a relevant one by being in the same district.
    """
    gate = max(0.0, min(1.0, relevance / FULL_CONTEXT_AT))
    token = _language.set(get_language())
    try:
        context = [
            field_factor(source, target),
            trl_factor(source, target),
            price_factor(source, target),
            modes_factor(source, target),
            region_factor(source, target),
        ]
        for factor in context:
            factor.weight *= gate
        return [terms_factor(shared, relevance), *context]
    finally:
        _language.reset(token)
