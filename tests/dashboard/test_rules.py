"""The dashboard's rules: time elapsed, run-rate forecast, pace and conversion rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from marketplace import dashboard

D = Decimal


@pytest.mark.parametrize(
    ("as_of", "elapsed", "percent"),
    [
        (dt.date(2025, 1, 1), 1, D("0.27")),
        (dt.date(2025, 3, 1), 60, D("16.44")),
        (dt.date(2025, 12, 31), 365, D("100.00")),
        (dt.date(2024, 12, 31), 0, D("0.00")),
        (dt.date(2026, 6, 1), 365, D("100.00")),
    ],
)
def test_share_of_the_year_elapsed_counts_both_ends(as_of, elapsed, percent):
    assert dashboard.days_elapsed(2025, as_of) == elapsed
    assert dashboard.year_elapsed_percent(2025, as_of) == percent


def test_a_leap_year_has_366_days():
    assert dashboard.days_in_year(2024) == 366
    assert dashboard.days_elapsed(2024, dt.date(2024, 3, 1)) == 61


def test_forecast_is_the_run_rate_to_the_year_end():
    # 1,000.00 in the first 73 days of 2025 → 1,000.00 ÷ 73 × 365 = 5,000.00
    assert dashboard.forecast(D("1000.00"), 2025, dt.date(2025, 3, 14)) == D("5000.00")
    # 100.00 ÷ 3 × 365 = 12,166.666… → half-up to the cent
    assert dashboard.forecast(D("100.00"), 2025, dt.date(2025, 1, 3)) == D("12166.67")


def test_forecast_of_a_finished_year_is_what_it_counted_and_none_before_it_starts():
    assert dashboard.forecast(D("123.45"), 2025, dt.date(2025, 12, 31)) == D("123.45")
    assert dashboard.forecast(D("0.00"), 2025, dt.date(2024, 12, 31)) is None


@pytest.mark.parametrize(
    ("as_of", "months", "pace"),
    [
        (dt.date(2025, 1, 1), 12, D("83.33")),  # 1,000.00 ÷ 12
        (dt.date(2025, 7, 15), 6, D("166.67")),  # July still counts as remaining
        (dt.date(2025, 12, 1), 1, D("1000.00")),
        (dt.date(2024, 12, 31), 12, D("83.33")),  # before the year: all of it ahead
    ],
)
def test_pace_is_what_remains_over_the_months_remaining(as_of, months, pace):
    assert dashboard.months_remaining(2025, as_of) == months
    assert dashboard.pace_needed(D("1000.00"), D("0.00"), 2025, as_of) == pace


def test_pace_subtracts_what_is_counted_and_stops_at_zero():
    # 599.98 ÷ 3 = 199.9933…; 599.99 ÷ 3 = 199.9966… rounds up
    assert dashboard.pace_needed(D("1000.00"), D("400.02"), 2025, dt.date(2025, 10, 2)) == D(
        "199.99"
    )
    assert dashboard.pace_needed(D("1000.00"), D("400.01"), 2025, dt.date(2025, 10, 2)) == D(
        "200.00"
    )
    assert dashboard.pace_needed(D("1000.00"), D("1000.00"), 2025, dt.date(2025, 6, 1)) == D("0.00")
    assert dashboard.pace_needed(D("1000.00"), D("1500.00"), 2025, dt.date(2025, 6, 1)) == D("0.00")


def test_no_pace_once_the_year_is_over():
    assert dashboard.months_remaining(2025, dt.date(2025, 12, 31)) == 0
    assert dashboard.pace_needed(D("1000.00"), D("10.00"), 2025, dt.date(2025, 12, 31)) is None


def test_the_reading_date_is_today_within_the_year_and_its_last_day_after_it():
    today = dt.date(2025, 5, 20)
    assert dashboard.reading_date(2025, today) == today
    assert dashboard.reading_date(2024, today) == dt.date(2024, 12, 31)
    assert dashboard.reading_date(2026, today) == today


def test_conversion_rate_is_half_up_and_none_without_a_previous_step():
    assert dashboard.rate(2, 3) == D("66.67")
    assert dashboard.rate(1, 8) == D("12.50")
    assert dashboard.rate(5, 0) is None


def test_a_quarter_covers_its_three_months():
    period = dashboard.Period(2024, 2)
    assert period.months == (4, 5, 6)
    assert (period.start, period.end) == (dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    assert dashboard.Period(2024).months == tuple(range(1, 13))
