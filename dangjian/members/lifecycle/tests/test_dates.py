"""Date arithmetic of the lifecycle rules: whole months, month ends, leap years."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dangjian.members.lifecycle.dates import add_months, months_elapsed

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))


def test_month_end_and_leap_examples() -> None:
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 12, 15), 1) == dt.date(2026, 1, 15)
    assert add_months(dt.date(2025, 3, 31), -1) == dt.date(2025, 2, 28)


@given(days, st.integers(min_value=0, max_value=60))
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
