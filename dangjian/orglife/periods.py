"""Periods in the platform's time zone (Asia/Shanghai), shared by compliance and the talks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of ``year`` and of the next, as aware datetimes."""
    return (dt.datetime(year, 1, 1, tzinfo=tz()), dt.datetime(year + 1, 1, 1, tzinfo=tz()))
