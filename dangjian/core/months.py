"""The one month arithmetic: calendar months on dates, for every module (dues months, probation
and certificate periods, calendars). A month as a value is its first day (``2026-11-01``)."""

from __future__ import annotations

import calendar
import datetime as dt


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (negative: back); a day missing in the target
    month becomes its last day (31 Jan + 1 month = 28/29 Feb; 29 Feb 2024 + 12 months = 28 Feb
    2025). A month's first day stays a first day."""
    year, month0 = divmod(day.year * 12 + (day.month - 1) + months, 12)
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` moved by whole years (29 Feb becomes 28 Feb in a common year)."""
    return add_months(day, 12 * years)


def months_between(a: dt.date, b: dt.date) -> int:
    """Calendar months from ``a``'s month to ``b``'s month (the days are ignored; negative when
    ``b`` is earlier): ``add_months(month_start(a), months_between(a, b)) == month_start(b)``."""
    return (b.year - a.year) * 12 + b.month - a.month


def months_elapsed(start: dt.date, end: dt.date, months: int) -> bool:
    """True when at least ``months`` whole months have passed from ``start`` to ``end``."""
    return end >= add_months(start, months)
