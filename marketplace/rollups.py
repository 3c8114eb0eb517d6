"""Keeping the ledger rollups exact, and reading them (spec §7-8).

The rules of what counts live in ``marketplace.ledger``; this module only
pre-sums them (``marketplace.models.rollups`` says why the tables exist). A
contract's contribution is a list of *changes* over time, each on a date:

- on its registration date it starts counting with its registered amounts;
- on each adjustment's effective date (never before the registration date) the
  amounts in force become those the ledger would read on that day: the latest
  amendment effective by then (by effective date, then by when it was recorded),
  or nothing once a cancellation is effective.

Summing the changes dated on or before a day gives exactly what the ledger
counts "as of" that day. The tables hold the changes by effective *month*; a
reading in the middle of a month takes back the few changes dated after the day
but within its month, computed here from the ledger itself (``_correction``).

Writers: ``contract_registered`` and ``contract_adjusted`` are called by the
contract services inside their transactions; ``target_district_changed`` by
``target_save``; ``rebuild`` by ``manage.py rebuild_rollups`` and the migration.
Facts the rollups copy at write time and that can change later without a
contract event (an organisation's kind, a technology field's parent, the
``DISTRICT_CODE`` setting for years without a saved target) are brought up to
date by ``rebuild``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q, Sum

from accounts.validators import region_within

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
UNKNOWN_KIND = "unknown"
# Ledger dimensions (RollupDimension values) and organisation roles (PartyRole values).
TYPE, FIELD, SELLER_KIND = "type", "field", "seller_kind"
SELLER, BUYER = "seller", "buyer"
REGISTERED = "registered"
CANCELLATION = "cancellation"
AMENDMENT = "amendment"

CONTRACT_VALUES = (
    "id",
    "status",
    "contract_type",
    "tech_field_id",
    "seller_name",
    "seller_credit_code",
    "seller_region",
    "buyer_name",
    "buyer_credit_code",
    "buyer_region",
    "registered_on",
    "contract_amount",
    "tech_amount",
)


def cents(amount: Decimal | None) -> int:
    return int((amount or ZERO).quantize(CENT) * 100)


def yuan(value: int | None) -> Decimal:
    return (Decimal(value or 0) / 100).quantize(CENT)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


# --- a contract's changes over time ---------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    """What the rollups need of a contract (from a model instance or a ``values()`` row)."""

    id: int
    status: str
    contract_type: str
    tech_field_id: int | None
    seller_name: str
    seller_credit_code: str
    seller_region: str
    buyer_name: str
    buyer_credit_code: str
    buyer_region: str
    registered_on: dt.date | None
    contract_amount: Decimal
    tech_amount: Decimal

    @classmethod
    def of(cls, contract: Any) -> Facts:
        return cls(**{name: getattr(contract, name) for name in CONTRACT_VALUES})


@dataclass(frozen=True)
class Adjustment:
    id: int
    kind: str
    effective_on: dt.date
    contract_amount: Decimal | None
    tech_amount: Decimal | None


ADJUSTMENT_VALUES = ("id", "kind", "effective_on", "contract_amount", "tech_amount")


@dataclass(frozen=True)
class Change:
    """What counting gains on a day: contracts, and both amounts in cents (may be negative)."""

    on: dt.date
    contracts: int
    contract_cents: int
    tech_cents: int


def in_force(facts: Facts, adjustments: Iterable[Adjustment], on: dt.date) -> tuple | None:
    """(contract amount, tech amount) in force on a day; None once cancelled.

    The same rule as ``ledger.amounts_in_force``; the rollup tests compare both.
    """
    effective = [a for a in adjustments if a.effective_on <= on]
    if any(a.kind == CANCELLATION for a in effective):
        return None
    amendments = sorted(
        (a for a in effective if a.kind == AMENDMENT), key=lambda a: (a.effective_on, a.id)
    )
    if amendments:
        return amendments[-1].contract_amount, amendments[-1].tech_amount
    return facts.contract_amount, facts.tech_amount


def changes(facts: Facts, adjustments: list[Adjustment]) -> list[Change]:
    """The contract's contribution to counting, as dated changes; none when not registered."""
    if facts.status != REGISTERED or facts.registered_on is None:
        return []
    start = facts.registered_on
    days = sorted({start} | {max(a.effective_on, start) for a in adjustments})
    previous = (0, 0, 0)
    out: list[Change] = []
    for day in days:
        amounts = in_force(facts, adjustments, day)
        state = (0, 0, 0) if amounts is None else (1, cents(amounts[0]), cents(amounts[1]))
        delta = tuple(now - before for now, before in zip(state, previous, strict=True))
        if any(delta):
            out.append(Change(day, *delta))
        previous = state
    return out


# --- where a contract's changes go ------------------------------------------------------------
def live_models() -> SimpleNamespace:
    from accounts.models import Organisation
    from marketplace.models import (
        ContractAdjustment,
        LedgerRollup,
        OrganisationRollup,
        Target,
        TechContract,
        TechField,
    )

    return SimpleNamespace(
        Organisation=Organisation,
        ContractAdjustment=ContractAdjustment,
        LedgerRollup=LedgerRollup,
        OrganisationRollup=OrganisationRollup,
        Target=Target,
        TechContract=TechContract,
        TechField=TechField,
    )


def historical_models(apps) -> SimpleNamespace:
    """The same classes from a migration's app registry (for the data migration)."""
    return SimpleNamespace(
        Organisation=apps.get_model("accounts", "Organisation"),
        ContractAdjustment=apps.get_model("marketplace", "ContractAdjustment"),
        LedgerRollup=apps.get_model("marketplace", "LedgerRollup"),
        OrganisationRollup=apps.get_model("marketplace", "OrganisationRollup"),
        Target=apps.get_model("marketplace", "Target"),
        TechContract=apps.get_model("marketplace", "TechContract"),
        TechField=apps.get_model("marketplace", "TechField"),
    )


class Context:
    """Looks up, once each, what a contract's rollup keys depend on besides the contract.

    ``preload`` reads every organisation and target up front (for a rebuild);
    otherwise each lookup is one small query, cached for this context.
    """

    def __init__(self, models: SimpleNamespace | None = None, *, preload: bool = False) -> None:
        self.models = models or live_models()
        self._districts: dict[int, str] = {}
        self._kinds_by_code: dict[str, str | None] = {}
        self._kinds_by_name: dict[str, str] = {}
        self._preloaded = preload
        # Fields are few (the national list and its subfields): always read them all.
        parents = dict(self.models.TechField.objects.values_list("id", "parent_id"))
        self._field_tops = {pk: self._top(pk, parents) for pk in parents}
        if preload:
            for year, code in self.models.Target.objects.values_list("year", "district_code"):
                self._districts[year] = code
            for name, code, kind in self.models.Organisation.objects.values_list(
                "name", "credit_code", "kind"
            ):
                self._kinds_by_name[name] = kind
                if code:
                    self._kinds_by_code[code] = kind

    @staticmethod
    def _top(pk: int, parents: dict[int, int | None]) -> int:
        seen = set()
        while parents.get(pk) and pk not in seen:
            seen.add(pk)
            pk = parents[pk]
        return pk

    def prime(self, rows: Iterable[dict[str, Any]]) -> None:
        """Look up the sellers of many contracts in one query (instead of one each)."""
        codes = {r["seller_credit_code"] for r in rows if r["seller_credit_code"]}
        names = {r["seller_name"] for r in rows}
        codes -= set(self._kinds_by_code)
        names -= set(self._kinds_by_name)
        if not (codes or names):
            return
        found = self.models.Organisation.objects.filter(
            Q(credit_code__in=codes) | Q(name__in=names)
        ).values_list("name", "credit_code", "kind")
        for name, code, kind in found:
            if code in codes:
                self._kinds_by_code[code] = kind
            if name in names:
                self._kinds_by_name[name] = kind
        for code in codes:
            self._kinds_by_code.setdefault(code, None)  # looked up: not on the platform
        for name in names:
            self._kinds_by_name.setdefault(name, UNKNOWN_KIND)

    def district(self, year: int) -> str:
        """The target district the year's contracts are counted for (``ledger.target_for``)."""
        if year not in self._districts:
            code = None
            if not self._preloaded:
                code = (
                    self.models.Target.objects.filter(year=year)
                    .values_list("district_code", flat=True)
                    .first()
                )
            self._districts[year] = code or settings.DISTRICT_CODE
        return self._districts[year]

    def field_value(self, tech_field_id: int | None) -> str:
        """The national (top-level) field's id as text; "" for a contract without a field."""
        if not tech_field_id:
            return ""
        return str(self._field_tops.get(tech_field_id, tech_field_id))

    def seller_kind(self, credit_code: str, name: str) -> str:
        """The seller's organisation kind: by credit code, else by name, else "unknown"."""
        if credit_code:
            if credit_code not in self._kinds_by_code and not self._preloaded:
                self._kinds_by_code[credit_code] = (
                    self.models.Organisation.objects.filter(credit_code=credit_code)
                    .values_list("kind", flat=True)
                    .first()
                )
            kind = self._kinds_by_code.get(credit_code)
            if kind:
                return kind
        if name not in self._kinds_by_name and not self._preloaded:
            self._kinds_by_name[name] = (
                self.models.Organisation.objects.filter(name=name)
                .values_list("kind", flat=True)
                .first()
                or UNKNOWN_KIND
            )
        return self._kinds_by_name.get(name) or UNKNOWN_KIND


@dataclass
class Entries:
    """Rollup row changes keyed like the tables' unique keys: [contracts, cents, cents]."""

    ledger: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    parties: dict[tuple, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    names: dict[str, str] = field(default_factory=dict)

    def add(self, other: Entries, sign: int = 1) -> None:
        for mine, theirs in ((self.ledger, other.ledger), (self.parties, other.parties)):
            for key, values in theirs.items():
                row = mine[key]
                for i in range(3):
                    row[i] += sign * values[i]
        self.names.update(other.names)

    def nonzero(self) -> Entries:
        out = Entries(names=dict(self.names))
        out.ledger.update({k: v for k, v in self.ledger.items() if any(v)})
        out.parties.update({k: v for k, v in self.parties.items() if any(v)})
        return out

    def __bool__(self) -> bool:
        return any(any(v) for v in self.ledger.values()) or any(
            any(v) for v in self.parties.values()
        )


def entries_for(
    facts: Facts,
    adjustments: list[Adjustment],
    context: Context,
    *,
    after: dt.date | None = None,
    until: dt.date | None = None,
    into: Entries | None = None,
) -> Entries:
    """The rollup rows a contract contributes to (only its changes in (after, until] if given)."""
    out = into if into is not None else Entries()
    contract_changes = changes(facts, adjustments)
    if not contract_changes:
        return out
    year = facts.registered_on.year
    district = context.district(year)
    seller_in = region_within(facts.seller_region, district)
    buyer_in = region_within(facts.buyer_region, district)
    if not (seller_in or buyer_in):
        return out  # no basis counts it
    values = (
        (TYPE, facts.contract_type),
        (FIELD, context.field_value(facts.tech_field_id)),
        (SELLER_KIND, context.seller_kind(facts.seller_credit_code, facts.seller_name)),
    )
    # Organisations in the district, by credit code; a person (no code) is not ranked.
    parties = []
    if seller_in and facts.seller_credit_code:
        parties.append((SELLER, facts.seller_credit_code))
        out.names[facts.seller_credit_code] = facts.seller_name
    if buyer_in and facts.buyer_credit_code:
        parties.append((BUYER, facts.buyer_credit_code))
        out.names[facts.buyer_credit_code] = facts.buyer_name
    month = facts.registered_on.month
    for change in contract_changes:
        if after is not None and change.on <= after:
            continue
        if until is not None and change.on > until:
            continue
        effective = month_start(change.on)
        amounts = (change.contracts, change.contract_cents, change.tech_cents)
        for dimension, value in values:
            row = out.ledger[(year, effective, month, dimension, value, seller_in, buyer_in)]
            for i in range(3):
                row[i] += amounts[i]
        for role, key in parties:
            row = out.parties[(year, effective, month, role, key)]
            for i in range(3):
                row[i] += amounts[i]
    return out


# --- writing ------------------------------------------------------------------------------------
LEDGER_KEY = (
    "year",
    "effective_month",
    "month",
    "dimension",
    "value",
    "seller_in_district",
    "buyer_in_district",
)
PARTY_KEY = ("year", "effective_month", "month", "role", "party_key")


def _apply_rows(model, key_names: tuple, rows: dict[tuple, list[int]], names=None) -> None:
    # Sorted, so two transactions touching the same rows lock them in the same order.
    for key in sorted(rows, key=lambda k: tuple(str(v) for v in k)):
        contracts, contract_cents, tech_cents = rows[key]
        if not (contracts or contract_cents or tech_cents):
            continue
        lookup = dict(zip(key_names, key, strict=True))
        extra = {"name": names[lookup["party_key"]][:120]} if names is not None else {}
        increments = {
            "contracts": F("contracts") + contracts,
            "contract_cents": F("contract_cents") + contract_cents,
            "tech_cents": F("tech_cents") + tech_cents,
        }
        if model.objects.filter(**lookup).update(**increments, **extra):
            continue
        try:
            with transaction.atomic():
                model.objects.create(
                    **lookup,
                    **extra,
                    contracts=contracts,
                    contract_cents=contract_cents,
                    tech_cents=tech_cents,
                )
        except IntegrityError:  # another transaction created the row meanwhile
            model.objects.filter(**lookup).update(**increments, **extra)


def apply(entries: Entries, models: SimpleNamespace | None = None) -> None:
    models = models or live_models()
    _apply_rows(models.LedgerRollup, LEDGER_KEY, entries.ledger)
    _apply_rows(models.OrganisationRollup, PARTY_KEY, entries.parties, entries.names)


def _adjustments_of(contract_id: int, models: SimpleNamespace) -> list[Adjustment]:
    rows = models.ContractAdjustment.objects.filter(contract_id=contract_id).values(
        *ADJUSTMENT_VALUES
    )
    return [Adjustment(**row) for row in rows]


def contract_registered(contract: Any) -> None:
    """Add a newly registered contract (called by ``contract_register`` in its transaction)."""
    context = Context()
    apply(entries_for(Facts.of(contract), _adjustments_of(contract.pk, context.models), context))


def contract_adjusted(contract: Any, adjustment: Any) -> None:
    """Apply what a new amendment or cancellation changes (called in its transaction)."""
    context = Context()
    facts = Facts.of(contract)
    everything = _adjustments_of(contract.pk, context.models)
    before = [a for a in everything if a.id != adjustment.pk]
    difference = entries_for(facts, everything, context)
    difference.add(entries_for(facts, before, context), sign=-1)
    apply(difference)


def target_district_changed(year: int) -> None:
    """A year's district decides which contracts are rolled up: rebuild that year."""
    rebuild(year=year)


def _contract_chunks(
    models: SimpleNamespace, year: int | None, size: int
) -> Iterator[list[dict[str, Any]]]:
    contracts = models.TechContract.objects.filter(status=REGISTERED)
    if year is not None:
        contracts = contracts.filter(
            registered_on__gte=dt.date(year, 1, 1), registered_on__lte=dt.date(year, 12, 31)
        )
    last = 0
    while True:
        chunk = list(contracts.filter(pk__gt=last).order_by("pk").values(*CONTRACT_VALUES)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]["id"]


def rebuild(
    *,
    year: int | None = None,
    models: SimpleNamespace | None = None,
    chunk_size: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Recompute the rollups from the ledger (one year, or all), replacing what was there.

    Runs in one transaction, so readers see the old rows or the new ones. Returns
    how many contracts were read and rows written.
    """
    models = models or live_models()
    with transaction.atomic():
        ledger_rows = models.LedgerRollup.objects.all()
        party_rows = models.OrganisationRollup.objects.all()
        adjustments = models.ContractAdjustment.objects.all()
        if year is not None:
            ledger_rows = ledger_rows.filter(year=year)
            party_rows = party_rows.filter(year=year)
            adjustments = adjustments.filter(
                contract__registered_on__gte=dt.date(year, 1, 1),
                contract__registered_on__lte=dt.date(year, 12, 31),
            )
        ledger_rows.delete()
        party_rows.delete()
        by_contract: dict[int, list[Adjustment]] = defaultdict(list)
        for row in adjustments.values("contract_id", *ADJUSTMENT_VALUES):
            by_contract[row.pop("contract_id")].append(Adjustment(**row))
        context = Context(models, preload=True)
        entries = Entries()
        read = 0
        for chunk in _contract_chunks(models, year, chunk_size):
            for row in chunk:
                entries_for(Facts(**row), by_contract.get(row["id"], []), context, into=entries)
            read += len(chunk)
            if progress:
                progress(read)
        entries = entries.nonzero()
        models.LedgerRollup.objects.bulk_create(
            (
                models.LedgerRollup(
                    **dict(zip(LEDGER_KEY, key, strict=True)),
                    contracts=v[0],
                    contract_cents=v[1],
                    tech_cents=v[2],
                )
                for key, v in entries.ledger.items()
            ),
            batch_size=2000,
        )
        models.OrganisationRollup.objects.bulk_create(
            (
                models.OrganisationRollup(
                    **dict(zip(PARTY_KEY, key, strict=True)),
                    name=entries.names[key[4]][:120],
                    contracts=v[0],
                    contract_cents=v[1],
                    tech_cents=v[2],
                )
                for key, v in entries.parties.items()
            ),
            batch_size=2000,
        )
    return {
        "contracts": read,
        "ledger_rows": len(entries.ledger),
        "party_rows": len(entries.parties),
    }


# --- reading ------------------------------------------------------------------------------------
def basis_filter(basis: str) -> Q:
    if basis == SELLER:
        return Q(seller_in_district=True)
    if basis == BUYER:
        return Q(buyer_in_district=True)
    return Q()


def _basis_allows(basis: str, seller_in: bool, buyer_in: bool) -> bool:
    if basis == SELLER:
        return seller_in
    if basis == BUYER:
        return buyer_in
    return seller_in or buyer_in


def _roles(basis: str) -> tuple[str, ...]:
    if basis == SELLER:
        return (SELLER,)
    if basis == BUYER:
        return (BUYER,)
    return (SELLER, BUYER)


class Snapshot:
    """The rollups of one year read as the ledger stood on ``as_of``, for one basis.

    Rows: ``(month, dimension, value, seller_in, buyer_in) -> [contracts, cents, cents]``
    with the changes dated after ``as_of`` in its month already taken back.
    """

    def __init__(self, year: int, *, as_of: dt.date, basis: str) -> None:
        self.year = year
        self.as_of = as_of
        self.basis = basis
        self.models = live_models()
        self._correction: Entries | None = None

    def correction(self) -> Entries:
        """Changes dated in (as_of, end of its month]: in the monthly rows, not yet in force."""
        if self._correction is not None:
            return self._correction
        self._correction = Entries()
        until = month_end(self.as_of)
        start, end = dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        if until == self.as_of or until < start or self.as_of > end:
            return self._correction
        m = self.models
        registered = m.TechContract.objects.filter(status=REGISTERED)
        # Two plain queries rather than one OR: each can use its own index.
        rows = list(
            registered.filter(registered_on__gt=self.as_of, registered_on__lte=until).values(
                *CONTRACT_VALUES
            )
        )
        seen = {r["id"] for r in rows}
        adjusted = set(
            m.ContractAdjustment.objects.filter(
                effective_on__gt=self.as_of,
                effective_on__lte=until,
                contract__registered_on__gte=start,
                contract__registered_on__lte=end,
            ).values_list("contract_id", flat=True)
        )
        if adjusted - seen:
            # By primary key alone: with the status in the query too, SQLite walks the
            # status index over every registered contract instead.
            found = m.TechContract.objects.filter(pk__in=adjusted - seen).order_by()
            rows += [r for r in found.values(*CONTRACT_VALUES) if r["status"] == REGISTERED]
        by_contract: dict[int, list[Adjustment]] = defaultdict(list)
        for row in m.ContractAdjustment.objects.filter(
            contract_id__in=[r["id"] for r in rows]
        ).values("contract_id", *ADJUSTMENT_VALUES):
            by_contract[row.pop("contract_id")].append(Adjustment(**row))
        context = Context(m)
        context.prime(rows)
        for row in rows:
            entries_for(
                Facts(**row),
                by_contract.get(row["id"], []),
                context,
                after=self.as_of,
                until=until,
                into=self._correction,
            )
        return self._correction

    def ledger_rows(self) -> dict[tuple, list[int]]:
        m = self.models
        query = (
            m.LedgerRollup.objects.filter(
                basis_filter(self.basis),
                year=self.year,
                effective_month__lte=month_start(self.as_of),
            )
            .values("month", "dimension", "value", "seller_in_district", "buyer_in_district")
            .annotate(c=Sum("contracts"), ca=Sum("contract_cents"), ta=Sum("tech_cents"))
        )
        rows: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
        for r in query:
            key = (
                r["month"],
                r["dimension"],
                r["value"],
                r["seller_in_district"],
                r["buyer_in_district"],
            )
            rows[key] = [r["c"] or 0, r["ca"] or 0, r["ta"] or 0]
        for (_, _, month, dimension, value, s_in, b_in), v in self.correction().ledger.items():
            if _basis_allows(self.basis, s_in, b_in):
                row = rows[(month, dimension, value, s_in, b_in)]
                for i in range(3):
                    row[i] -= v[i]
        return rows

    def top_parties(self, *, months: Iterable[int], measure: str, limit: int = 10) -> list[dict]:
        """In-district organisations with the most counted amount (the target's measure).

        The database ranks. Organisations the correction touches are summed on their
        own and corrected; reading ``limit`` + that many ranked rows is then enough
        to hold the true top ``limit`` (at most that many corrected rows can stand
        above an uncorrected one that belongs there).
        """
        m = self.models
        months = list(months)
        roles = _roles(self.basis)
        order = "ta" if measure == "tech_amount" else "ca"
        rows = m.OrganisationRollup.objects.filter(
            year=self.year,
            effective_month__lte=month_start(self.as_of),
            month__in=months,
            role__in=roles,
        )

        def grouped(queryset):
            return queryset.values("party_key").annotate(
                c=Sum("contracts"),
                ca=Sum("contract_cents"),
                ta=Sum("tech_cents"),
                name=Max("name"),
            )

        correction = {
            k: v for k, v in self.correction().parties.items() if k[2] in months and k[3] in roles
        }
        touched = {k[4] for k in correction}
        found = list(grouped(rows).order_by(f"-{order}", "party_key")[: limit + len(touched)])
        if touched:
            found += list(grouped(rows.filter(party_key__in=touched)))
        totals = {r["party_key"]: [r["c"] or 0, r["ca"] or 0, r["ta"] or 0] for r in found}
        names = {r["party_key"]: r["name"] for r in found}
        for (_, _, _, _, key), v in correction.items():
            row = totals.setdefault(key, [0, 0, 0])
            names.setdefault(key, self.correction().names.get(key, key))
            for i in range(3):
                row[i] -= v[i]
        index = 2 if measure == "tech_amount" else 1
        ranked = sorted(
            ((k, v) for k, v in totals.items() if any(v)),
            key=lambda item: (-item[1][index], item[0]),
        )[:limit]
        return [
            {
                "party_key": key,
                "name": names[key],
                "credit_code": key,
                "contracts": v[0],
                "contract_amount": yuan(v[1]),
                "tech_amount": yuan(v[2]),
            }
            for key, v in ranked
        ]
