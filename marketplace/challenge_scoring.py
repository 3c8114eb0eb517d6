"""The scoring rule of a challenge's expert review (spec §4), as pure functions of the scores.

- An expert's total for an application is the weighted sum of their criterion scores
  (0–100 each, weights in percent summing to 100), so it is on the same 0–100 scale.
- Only complete reviews count: an expert who scored some but not all criteria is shown
  as incomplete; one who declared a conflict of interest is left out of that application.
- The application's result is the mean of the counted totals; when five or more experts
  scored it, the highest and the lowest total are dropped first (one of each).
- Results are rounded half-up to two decimals; equal rounded results share a rank and are
  flagged as tied, so the bureau sees ties instead of an arbitrary order.

Everything is ``Decimal``; nothing here touches the database, so the rule can be tested alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# Spec §4: "the highest and lowest total dropped when there are five or more experts".
TRIM_FROM = 5


def expert_total(weights: Mapping[int, int], scores: Mapping[int, int | Decimal]) -> Decimal | None:
    """One expert's weighted total for one application, or None when a criterion is unscored."""
    if not weights or any(criterion not in scores for criterion in weights):
        return None
    weighted = sum(
        (Decimal(weight) * Decimal(scores[criterion]) for criterion, weight in weights.items()),
        Decimal(0),
    )
    return (weighted / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)  # exact for whole scores


def combined_score(totals: Sequence[Decimal]) -> tuple[Decimal | None, bool]:
    """The mean of the totals (trimmed from five on), rounded to cents; and whether it trimmed."""
    if not totals:
        return None, False
    ordered = sorted(totals)
    trimmed = len(ordered) >= TRIM_FROM
    if trimmed:
        ordered = ordered[1:-1]
    mean = sum(ordered, Decimal(0)) / Decimal(len(ordered))
    return mean.quantize(CENT, rounding=ROUND_HALF_UP), trimmed


@dataclass
class ApplicationResult:
    application_id: int
    score: Decimal | None
    totals: list[Decimal]  # the complete reviews' totals, highest first
    trimmed: bool
    complete: int  # experts whose review of this application counts
    incomplete: int  # experts who scored some criteria, not all
    pending: int  # assigned, not conflicted, nothing scored yet
    conflicted: int  # experts who declared a conflict of interest
    rank: int | None = None
    tied: bool = False

    @property
    def is_fully_reviewed(self) -> bool:
        return self.incomplete == 0 and self.pending == 0 and self.complete > 0


def review_results(
    *,
    weights: Mapping[int, int],
    applications: Iterable[int],
    experts: Iterable[int],
    scores: Mapping[tuple[int, int], Mapping[int, int | Decimal]],
    conflicts: Iterable[tuple[int, int]] = (),
) -> list[ApplicationResult]:
    """Every application's result, best first (unscored ones last, in the order given).

    ``scores`` maps (expert, application) to that expert's {criterion: score};
    ``conflicts`` holds the (expert, application) pairs with a declared conflict,
    whose scores, if any, are ignored.
    """
    experts = list(experts)
    conflicted = set(conflicts)
    results = []
    for application in applications:
        totals: list[Decimal] = []
        incomplete = pending = conflicts_here = 0
        for expert in experts:
            if (expert, application) in conflicted:
                conflicts_here += 1
                continue
            given = scores.get((expert, application)) or {}
            total = expert_total(weights, given)
            if total is not None:
                totals.append(total)
            elif given:
                incomplete += 1
            else:
                pending += 1
        score, trimmed = combined_score(totals)
        results.append(
            ApplicationResult(
                application_id=application,
                score=score,
                totals=sorted(totals, reverse=True),
                trimmed=trimmed,
                complete=len(totals),
                incomplete=incomplete,
                pending=pending,
                conflicted=conflicts_here,
            )
        )
    return rank_results(results)


def rank_results(results: list[ApplicationResult]) -> list[ApplicationResult]:
    """Sort by score, highest first; equal scores share a rank ("1, 2, 2, 4") and are tied."""
    scored = [r for r in results if r.score is not None]
    unscored = [r for r in results if r.score is None]
    scored.sort(key=lambda r: r.score, reverse=True)  # stable: equal scores keep input order
    counts: dict[Decimal, int] = {}
    for result in scored:
        counts[result.score] = counts.get(result.score, 0) + 1
    for position, result in enumerate(scored, start=1):
        previous = scored[position - 2] if position > 1 else None
        result.rank = previous.rank if previous and previous.score == result.score else position
        result.tied = counts[result.score] > 1
    return scored + unscored
