"""The one month arithmetic (``core.months``): whole months, month ends, leap years, year
boundaries, negative offsets."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.months import add_months, add_years, month_start, months_between, months_elapsed

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))


def test_month_end_and_leap_examples() -> None:
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 12, 15), 1) == dt.date(2026, 1, 15)
    assert add_months(dt.date(2025, 3, 31), -1) == dt.date(2025, 2, 28)


@given(days, st.integers(min_value=-60, max_value=60))
def test_add_months_lands_in_the_right_month_and_keeps_the_day_when_it_exists(day: dt.date, n: int) -> None:
    result = add_months(day, n)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == n
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


@given(days, st.sampled_from([6, 12, 24]))
def test_boundary_is_exactly_the_anniversary(day: dt.date, months: int) -> None:
    boundary = add_months(day, months)
    assert months_elapsed(day, boundary, months)
    assert not months_elapsed(day, boundary - dt.timedelta(days=1), months)


@given(days)
def test_a_year_is_never_shorter_than_365_days(day: dt.date) -> None:
    assert (add_months(day, 12) - day).days in (365, 366) or (day.month == 2 and day.day == 29)
    assert (add_months(day, 12) - day).days >= 365


def test_year_boundaries_both_ways() -> None:
    assert add_months(dt.date(2025, 12, 31), 1) == dt.date(2026, 1, 31)
    assert add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert add_months(dt.date(2026, 1, 31), -2) == dt.date(2025, 11, 30)
    assert add_months(dt.date(2026, 3, 1), -14) == dt.date(2025, 1, 1)
    assert add_months(dt.date(2026, 11, 1), -11) == dt.date(2025, 12, 1)
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)


@given(days, st.integers(min_value=-60, max_value=60))
def test_a_first_day_stays_a_first_day_and_comes_back(day: dt.date, n: int) -> None:
    month = month_start(day)
    assert add_months(month, n).day == 1
    assert add_months(add_months(month, n), -n) == month


@given(days, days)
def test_months_between_is_what_add_months_adds(a: dt.date, b: dt.date) -> None:
    n = months_between(a, b)
    assert add_months(month_start(a), n) == month_start(b)
    assert months_between(b, a) == -n


@given(days, st.integers(min_value=-60, max_value=60), st.integers(min_value=-60, max_value=60))
def test_shifts_of_a_first_day_add_up(day: dt.date, m: int, n: int) -> None:
    month = month_start(day)
    assert add_months(add_months(month, m), n) == add_months(month, m + n)
