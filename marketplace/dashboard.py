"""The bureau dashboard's figures (spec §8): read-only selectors, all money ``Decimal``.

Contract figures come from the ledger rollups (``marketplace.rollups``), which
count exactly what ``marketplace.ledger`` counts; nothing is typed in (spec §7).

Rules, in one place:

- **Reading date.** A past year is read as of its last day (like ``ledger``'s
  default); the current year as of today, so an amendment or cancellation that
  takes effect later does not change today's figures; a future year as of today
  (nothing counted yet).
- **Share of the year elapsed** = days elapsed (1 January to the reading date,
  both counted) ÷ days in the year × 100, half-up to two places.
- **Run-rate forecast** for the year end = counted ÷ days elapsed × days in the
  year, half-up to the cent; a finished year's forecast is what it counted.
- **Monthly pace still needed** = (target − counted) ÷ months remaining, half-up
  to the cent, where the reading date's month still counts as remaining; zero
  once the target is reached, and none for a finished year.
- **Target line** (monthly chart): target × month ÷ 12, the target spread evenly.
- **Quarter filter**: the breakdowns, top organisations, funnel and challenge
  figures cover that quarter (registration month, creation or publication date);
  progress and the monthly chart always show the whole year against its target.
- **Breakdowns** follow the target's basis and count each contract once under
  each dimension (so each adds up to the total). 输出/吸纳 splits counted
  contracts into seller only in the district, buyer only, and both.
- **Top organisations**: in-district organisations (by credit code; a natural
  person has none and is not ranked) by the counted amount (the target's
  measure) of the contracts they are party to under the target's basis; a
  contract with both parties in the district credits both.
- **Funnel**: listings published in the period → inquiries (deals opened in the
  period) → deals (of those, accepted into negotiation) → signed → registered.
  Each conversion rate is a step ÷ the step before × 100 (none when that is 0).
- **Challenges**: challenges published in the period; their applications still
  submitted (not withdrawn), how many reached the award, and their bounties
  (企业出资 + 政府补助).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OrganisationKind
from marketplace.ledger import percent_of, target_for
from marketplace.models import (
    Achievement,
    ApplicationStatus,
    Challenge,
    ChallengeApplication,
    ChallengeStatus,
    ContractType,
    Deal,
    DealStage,
    Need,
    TargetBasis,
    TargetMeasure,
    TechField,
)
from marketplace.rollups import FIELD, SELLER_KIND, TYPE, UNKNOWN_KIND, Snapshot, yuan

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MEASURES = (TargetMeasure.TECH_AMOUNT, TargetMeasure.CONTRACT_AMOUNT)
QUARTERS = (1, 2, 3, 4)
AWARDED_STATUSES = (
    ChallengeStatus.AWARDED,
    ChallengeStatus.IN_EXECUTION,
    ChallengeStatus.ACCEPTED,
    ChallengeStatus.FAILED,
)


def _half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rate(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole × 100, half-up to two places; None when there is nothing to divide by."""
    if not whole:
        return None
    return _half_up(Decimal(part) * HUNDRED / Decimal(whole))


# --- the period -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None

    @property
    def months(self) -> tuple[int, ...]:
        if self.quarter is None:
            return tuple(range(1, 13))
        return tuple(range(3 * self.quarter - 2, 3 * self.quarter + 1))

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.months[0], 1)

    @property
    def end(self) -> dt.date:
        last = self.months[-1]
        return dt.date(self.year, last, calendar.monthrange(self.year, last)[1])

    def datetimes(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes in the site's time zone."""
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=zone)
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return start, end


def reading_date(year: int, today: dt.date | None = None) -> dt.date:
    """The day the year is read as of: its last day once over, else today."""
    today = today or timezone.localdate()
    return min(today, dt.date(year, 12, 31))


# --- progress, forecast and pace --------------------------------------------------------------
def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def days_elapsed(year: int, as_of: dt.date) -> int:
    """Days from 1 January to ``as_of``, both counted; 0 before the year, all after it."""
    count = (as_of - dt.date(year, 1, 1)).days + 1
    return max(0, min(count, days_in_year(year)))


def months_remaining(year: int, as_of: dt.date) -> int:
    """Months left for the target, the reading date's own month included."""
    if as_of >= dt.date(year, 12, 31):
        return 0
    if as_of < dt.date(year, 1, 1):
        return 12
    return 13 - as_of.month


def year_elapsed_percent(year: int, as_of: dt.date) -> Decimal:
    return _half_up(Decimal(days_elapsed(year, as_of)) * HUNDRED / days_in_year(year))


def forecast(counted: Decimal, year: int, as_of: dt.date) -> Decimal | None:
    """Run-rate forecast for the year end: counted ÷ days elapsed × days in the year."""
    elapsed = days_elapsed(year, as_of)
    if elapsed == 0:
        return None
    if elapsed == days_in_year(year):
        return counted
    return _half_up(counted * days_in_year(year) / elapsed)


def pace_needed(target: Decimal, counted: Decimal, year: int, as_of: dt.date) -> Decimal | None:
    """Monthly pace still needed: (target − counted) ÷ months remaining; None once over."""
    remaining = months_remaining(year, as_of)
    if remaining == 0:
        return None
    if counted >= target:
        return ZERO
    return _half_up((target - counted) / remaining)


def _totals(cells: list[int]) -> dict:
    return {
        "contracts": cells[0],
        "contract_amount": yuan(cells[1]),
        "tech_amount": yuan(cells[2]),
    }


def _sum_cells(rows) -> list[int]:
    total = [0, 0, 0]
    for values in rows:
        for i in range(3):
            total[i] += values[i]
    return total


def _add(table: dict, key, values: list[int]) -> None:
    cell = table.get(key)
    if cell is None:
        table[key] = list(values)
    else:
        cell[0] += values[0]
        cell[1] += values[1]
        cell[2] += values[2]


@dataclass
class Tally:
    """The snapshot's rows summed once: by month (whole year), and by value for the period.

    Every counted contract is in each dimension once, so months and flows are read from
    the contract-type rows.
    """

    months: dict[int, list[int]]
    values: dict[tuple[str, str], list[int]]
    flows: dict[tuple[bool, bool], list[int]]

    @classmethod
    def of(cls, rows: dict, period_months) -> Tally:
        period_months = set(period_months)
        months: dict[int, list[int]] = {}
        values: dict[tuple[str, str], list[int]] = {}
        flows: dict[tuple[bool, bool], list[int]] = {}
        for (month, dimension, value, seller_in, buyer_in), cells in rows.items():
            if dimension == TYPE:
                _add(months, month, cells)
            if month not in period_months:
                continue
            _add(values, (dimension, value), cells)
            if dimension == TYPE:
                _add(flows, (seller_in, buyer_in), cells)
        return cls(months, values, flows)

    def year(self) -> list[int]:
        return _sum_cells(self.months.values())

    def period(self, period_months) -> list[int]:
        return _sum_cells(v for m, v in self.months.items() if m in period_months)


def measure_label(measure: str) -> str:
    return str(TargetMeasure(measure).label)


def progress_block(target, totals: dict, year: int, as_of: dt.date) -> dict:
    """Progress for both measures, each against the target amount (the target's is marked)."""
    measures = []
    for measure in MEASURES:
        counted = totals[measure]
        projected = forecast(counted, year, as_of)
        measures.append(
            {
                "measure": measure,
                "label": measure_label(measure),
                "is_target_measure": measure == target.measure,
                "counted": counted,
                "percent": percent_of(counted, target.amount),
                "forecast": projected,
                "forecast_percent": None
                if projected is None
                else percent_of(projected, target.amount),
                "pace": pace_needed(target.amount, counted, year, as_of),
            }
        )
    main = next(m for m in measures if m["is_target_measure"])
    return {
        "target": target.amount,
        "measure": target.measure,
        "measure_label": measure_label(target.measure),
        "basis": target.basis,
        "basis_label": str(TargetBasis(target.basis).label),
        "district_code": target.district_code,
        "contracts": totals["contracts"],
        "counted": main["counted"],
        "percent": main["percent"],
        "forecast": main["forecast"],
        "pace": main["pace"],
        "year_elapsed_percent": year_elapsed_percent(year, as_of),
        "days_elapsed": days_elapsed(year, as_of),
        "days_in_year": days_in_year(year),
        "months_remaining": months_remaining(year, as_of),
        "measures": measures,
    }


# --- breakdowns --------------------------------------------------------------------------------
def _labels(dimension: str, values) -> dict[str, str]:
    if dimension == TYPE:
        return {v: str(ContractType(v).label) if v in ContractType.values else v for v in values}
    if dimension == FIELD:
        ids = [int(v) for v in values if v]
        names = dict(TechField.objects.filter(pk__in=ids).values_list("id", "name"))
        return {v: names.get(int(v), v) if v else _("未填写技术领域") for v in values}
    kinds = dict(OrganisationKind.choices)
    return {v: str(kinds.get(v, _("平台外单位或个人"))) for v in values}


def _order(dimension: str) -> list[str] | None:
    if dimension == TYPE:
        return list(ContractType.values)
    if dimension == SELLER_KIND:
        return [*OrganisationKind.values, UNKNOWN_KIND]
    return None  # technology fields: largest first


def _with_shares(rows: list[dict], measure: str) -> list[dict]:
    total = sum((r[measure] for r in rows), ZERO)
    for r in rows:
        r["amount"] = r[measure]
        r["share"] = percent_of(r[measure], total) if total else ZERO
    return rows


def breakdown(tally: Tally, dimension: str, measure: str) -> list[dict]:
    cells = {v: c for (d, v), c in tally.values.items() if d == dimension and any(c)}
    labels = _labels(dimension, cells)
    out = [{"key": k, "label": labels[k], **_totals(v)} for k, v in cells.items()]
    order = _order(dimension)
    if order is not None:
        out.sort(key=lambda r: order.index(r["key"]) if r["key"] in order else len(order))
    else:
        out.sort(key=lambda r: (-r[measure], r["label"]))
    return _with_shares(out, measure)


def flow_breakdown(tally: Tally, measure: str) -> dict:
    """输出/吸纳: who in the district took part, as a partition plus the two totals."""
    parts = {"seller_only": [0, 0, 0], "buyer_only": [0, 0, 0], "both": [0, 0, 0]}
    for (seller_in, buyer_in), cells in tally.flows.items():
        key = "both" if seller_in and buyer_in else "seller_only" if seller_in else "buyer_only"
        parts[key] = _sum_cells([parts[key], cells])
    labels = {
        "seller_only": _("仅卖方在本区（输出）"),
        "buyer_only": _("仅买方在本区（吸纳）"),
        "both": _("买卖双方均在本区"),
    }
    partition = _with_shares(
        [{"key": k, "label": labels[k], **_totals(v)} for k, v in parts.items()], measure
    )
    output = _totals(_sum_cells([parts["seller_only"], parts["both"]]))
    absorption = _totals(_sum_cells([parts["buyer_only"], parts["both"]]))
    return {"partition": partition, "output": output, "absorption": absorption}


def monthly(tally: Tally, target_amount: Decimal, measure: str) -> list[dict]:
    """Twelve months by registration month, cumulative line and the target line."""
    out = []
    running = ZERO
    for m in range(1, 13):
        row = {"month": m, **_totals(tally.months.get(m, [0, 0, 0]))}
        row["counted"] = row[measure]
        running += row["counted"]
        row["cumulative"] = running
        row["target_line"] = _half_up(target_amount * m / 12)
        out.append(row)
    return out


# --- deals, listings and challenges -------------------------------------------------------------
def funnel(period: Period) -> list[dict]:
    start, end = period.datetimes()
    published = Q(published_at__gte=start, published_at__lt=end)
    listings = (
        Achievement.objects.filter(published).count() + Need.objects.filter(published).count()
    )
    deals = Deal.objects.filter(created_at__gte=start, created_at__lt=end).aggregate(
        inquiries=Count("id"),
        negotiated=Count("id", filter=Q(accepted_at__isnull=False)),
        signed=Count("id", filter=Q(signed_at__isnull=False)),
        registered=Count("id", filter=Q(stage=DealStage.REGISTERED)),
    )
    steps = [
        ("listings", _("发布成果与需求"), listings),
        ("inquiries", _("合作意向"), deals["inquiries"]),
        ("deals", _("进入洽谈"), deals["negotiated"]),
        ("signed", _("签订合同"), deals["signed"]),
        ("registered", _("合同登记"), deals["registered"]),
    ]
    out = []
    previous = None
    for key, label, count in steps:
        out.append(
            {
                "key": key,
                "label": label,
                "count": count,
                "rate": None if previous is None else rate(count, previous),
            }
        )
        previous = count
    return out


def challenge_stats(period: Period) -> dict:
    start, end = period.datetimes()
    published = Challenge.objects.filter(published_at__gte=start, published_at__lt=end)
    figures = published.aggregate(
        published=Count("id"),
        awarded=Count("id", filter=Q(status__in=AWARDED_STATUSES)),
        enterprise=Sum("bounty_enterprise"),
        subsidy=Sum("bounty_subsidy"),
    )
    applications = ChallengeApplication.objects.filter(
        challenge__in=published, status=ApplicationStatus.SUBMITTED
    ).count()
    enterprise = figures["enterprise"] or ZERO
    subsidy = figures["subsidy"] or ZERO
    return {
        "published": figures["published"],
        "applications": applications,
        "awarded": figures["awarded"],
        "bounty_enterprise": enterprise,
        "bounty_subsidy": subsidy,
        "bounty_total": enterprise + subsidy,
    }


# --- the page ------------------------------------------------------------------------------------
def available_years(today: dt.date | None = None) -> list[int]:
    """Years the filter offers: from the first registered contract (or target) to this year."""
    from marketplace.models import LedgerRollup, Target

    today = today or timezone.localdate()
    first = [today.year]
    rolled = LedgerRollup.objects.order_by("year").values_list("year", flat=True).first()
    if rolled:
        first.append(rolled)
    target = Target.objects.order_by("year").values_list("year", flat=True).first()
    if target:
        first.append(target)
    return list(range(today.year, min(first) - 1, -1))


def dashboard(year: int, *, quarter: int | None = None, today: dt.date | None = None) -> dict:
    """Every figure of the dashboard for a year (and optionally a quarter)."""
    period = Period(year, quarter)
    as_of = reading_date(year, today)
    target = target_for(year)
    snapshot = Snapshot(year, as_of=as_of, basis=target.basis)
    tally = Tally.of(snapshot.ledger_rows(), period.months)
    year_totals = _totals(tally.year())
    measure = target.measure
    return {
        "year": year,
        "quarter": quarter,
        "as_of": as_of,
        "period_start": period.start,
        "period_end": period.end,
        "progress": progress_block(target, year_totals, year, as_of),
        "year_totals": year_totals,
        "period_totals": _totals(tally.period(period.months)),
        "months": monthly(tally, target.amount, measure),
        "by_type": breakdown(tally, TYPE, measure),
        "by_field": breakdown(tally, FIELD, measure),
        "by_seller_kind": breakdown(tally, SELLER_KIND, measure),
        "by_flow": flow_breakdown(tally, measure),
        "top_organisations": snapshot.top_parties(months=period.months, measure=measure),
        "funnel": funnel(period),
        "challenges": challenge_stats(period),
    }


def public_progress(year: int | None = None, *, today: dt.date | None = None) -> dict:
    """The home page's figure: the year's counted total against its target (as of today).

    ``{"year", "target", "counted", "contracts", "percent", "measure", "measure_label",
    "as_of"}``.
    """
    today = today or timezone.localdate()
    year = year or today.year
    as_of = reading_date(year, today)
    target = target_for(year)
    rows = Snapshot(year, as_of=as_of, basis=target.basis).ledger_rows()
    totals = _totals(Tally.of(rows, ()).year())
    counted = totals[target.measure]
    return {
        "year": year,
        "target": target.amount,
        "counted": counted,
        "contracts": totals["contracts"],
        "percent": percent_of(counted, target.amount),
        "measure": target.measure,
        "measure_label": measure_label(target.measure),
        "as_of": as_of,
    }
