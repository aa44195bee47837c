"""Calendar arithmetic for the lifecycle rules: whole months, clamped to the month's end."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months; a day missing in the target month becomes its
    last day (31 Jan + 1 month = 28/29 Feb; 29 Feb 2024 + 12 months = 28 Feb 2025)."""
    total = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(total, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def months_elapsed(start: dt.date, end: dt.date, months: int) -> bool:
    """True when at least ``months`` whole months have passed from ``start`` to ``end``."""
    return end >= add_months(start, months)
