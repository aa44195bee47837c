"""Working-day (工作日) arithmetic for deadlines (DESIGN.md §4 rule 6).

Where a year's calendar comes from, in this order:

1. ``official_entered`` — an administrator entered the State Council's notice for that year
   (``OfficialCalendarYear``). It overrides the package, so a wrong year can be corrected.
2. ``package`` — ``chinese-calendar`` has data for the year (1.11: 2004–2026).
3. ``fallback`` — neither: Monday–Friday are working days, Saturday and Sunday are not.
   Such years are reported by ``missing_years()`` so administrators get warned.

Conventions (all functions take ``date``; an aware ``datetime`` is first turned into the local
date, a naive one is taken as local time):

* ``is_workday(d)``: a normal Monday–Friday that is not an official holiday, or a weekend day
  officially worked (调休上班). ``is_holiday(d)`` is its negation — any day off, weekends included
  (the meaning ``chinese_calendar.is_holiday`` has). ``holiday_name(d)`` names official days.
* ``add_workdays(start, n)``: for ``n >= 1`` the n-th working day *after* ``start`` (``start``
  itself is never counted, whether or not it is a working day); for ``n == 0`` ``start`` if it
  is a working day, else the next working day. Negative ``n`` is refused.
* ``workdays_between(a, b)``: the number of working days in ``(a, b]``; negative when ``b < a``
  (``-workdays_between(b, a)``), so "working days overdue" can be computed either way round.
  For ``n >= 1``: ``workdays_between(d, add_workdays(d, n)) == n``.
* ``deadline(start, n)``: "within n working days of start" → ``add_workdays(local date of
  start, n)``; the deadline day itself is still in time.

Speed: the entered calendars are read from the database in two queries and kept in this
process; every call only checks a token in Django's cache (no query). ``invalidate()`` — called
by the action that saves a year — replaces the token, so every process reloads on its next call.
The default caches (Redis, or the file cache under var/ on one machine) are shared by every
process; with a per-process cache (LocMem, as in tests) other processes reload once their copy is
``MAX_AGE`` seconds old.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import chinese_calendar
from chinese_calendar import constants as cc_constants
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.models import DayKind, OfficialCalendarYear, OfficialDay

Status = Literal["official_entered", "package", "fallback"]
OFFICIAL_ENTERED: Status = "official_entered"
PACKAGE: Status = "package"
FALLBACK: Status = "fallback"

#: Years an administrator may enter.
MIN_YEAR = 2000
MAX_YEAR = 2100

VERSION_KEY = "core.workdays.version"
#: Seconds a process keeps the entered calendars without seeing a new token (see module docs).
MAX_AGE = 300.0

ONE_DAY = dt.timedelta(days=1)
DayEntry = tuple[dt.date, str, str]


@dataclass(frozen=True)
class YearCalendar:
    """One year's exceptions to the Monday–Friday rule and where they came from."""

    year: int
    status: Status
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()
    names: Mapping[dt.date, str] = field(default_factory=dict)

    def is_workday(self, d: dt.date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    @property
    def holiday_count(self) -> int:
        return len(self.holidays)

    @property
    def makeup_count(self) -> int:
        return len(self.workdays)

    @property
    def working_day_count(self) -> int:
        d = dt.date(self.year, 1, 1)
        count = 0
        while d.year == self.year:
            count += self.is_workday(d)
            d += ONE_DAY
        return count

    def entries(self) -> list[DayEntry]:
        """The exceptions as (date, kind, name), by date."""
        rows = [(d, DayKind.HOLIDAY.value, self.names.get(d, "")) for d in self.holidays]
        rows += [(d, DayKind.WORKDAY.value, self.names.get(d, "")) for d in self.workdays]
        return sorted(rows)


def build_year(year: int, days: Iterable[DayEntry], status: Status = OFFICIAL_ENTERED) -> YearCalendar:
    days = list(days)
    return YearCalendar(
        year=year,
        status=status,
        holidays=frozenset(d for d, kind, _name in days if kind == DayKind.HOLIDAY),
        workdays=frozenset(d for d, kind, _name in days if kind == DayKind.WORKDAY),
        names={d: name for d, _kind, name in days if name},
    )


# --- the package ---------------------------------------------------------------------------------

_PACKAGE_YEARS = range(min(cc_constants.holidays).year, max(cc_constants.holidays).year + 1)
_CHINESE_NAMES = {h.value: h.chinese for h in cc_constants.Holiday}


@functools.cache
def _package_year(year: int) -> YearCalendar | None:
    if year not in _PACKAGE_YEARS:
        return None
    try:  # the package's own notion of what it supports
        chinese_calendar.is_workday(dt.date(year, 1, 1))
    except NotImplementedError:
        return None
    days = [(d, DayKind.HOLIDAY.value, n) for d, n in cc_constants.holidays.items() if d.year == year]
    days += [(d, DayKind.WORKDAY.value, n) for d, n in cc_constants.workdays.items() if d.year == year]
    return build_year(year, [(d, k, _CHINESE_NAMES.get(n, n or "")) for d, k, n in days], PACKAGE)


@functools.cache
def _fallback_year(year: int) -> YearCalendar:
    return YearCalendar(year=year, status=FALLBACK)


def package_years() -> range:
    """The years ``chinese-calendar`` has data for."""
    return _PACKAGE_YEARS


# --- the entered calendars, cached per process ---------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    token: Any
    loaded_at: float
    entered: Mapping[int, YearCalendar]


_snapshot: _Snapshot | None = None
_lock = threading.Lock()


def _load_entered() -> dict[int, YearCalendar]:
    years = list(OfficialCalendarYear.objects.values_list("pk", "year"))
    by_pk: dict[int, list[DayEntry]] = {pk: [] for pk, _year in years}
    for year_id, date, kind, name in OfficialDay.objects.values_list("year_id", "date", "kind", "name"):
        by_pk.setdefault(year_id, []).append((date, kind, name))
    return {year: build_year(year, by_pk[pk]) for pk, year in years}


def _entered() -> Mapping[int, YearCalendar]:
    global _snapshot
    token = cache.get(VERSION_KEY)
    snap = _snapshot
    now = time.monotonic()
    if snap is None or snap.token != token or now - snap.loaded_at > MAX_AGE:
        with _lock:
            snap = _Snapshot(token, now, _load_entered())
            _snapshot = snap
    return snap.entered


def invalidate() -> None:
    """Make every process reload the entered calendars (call after saving or deleting a year)."""
    global _snapshot
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _snapshot = None


class _Lookup:
    """Resolves years for one computation: the cache token is read once, not once per day."""

    def __init__(self) -> None:
        self.entered = _entered()
        self.years: dict[int, YearCalendar] = {}

    def year(self, year: int) -> YearCalendar:
        cal = self.years.get(year)
        if cal is None:
            cal = self.entered.get(year) or _package_year(year) or _fallback_year(year)
            self.years[year] = cal
        return cal

    def is_workday(self, d: dt.date) -> bool:
        return self.year(d.year).is_workday(d)


# --- public API ----------------------------------------------------------------------------------


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            return timezone.localtime(value).date()
        return value.date()
    return value


def _today() -> dt.date:
    return timezone.localdate()


def year_calendar(year: int) -> YearCalendar:
    """The calendar in force for ``year`` (entered, else package, else weekends-only)."""
    return _Lookup().year(year)


def calendar_status(year: int) -> Status:
    return year_calendar(year).status


def missing_years(years_ahead: int = 1, *, today: dt.date | None = None) -> list[int]:
    """The years from this one to ``years_ahead`` years ahead that run on the weekends-only
    fallback: an administrator should enter their official calendar."""
    this_year = (today or _today()).year
    lookup = _Lookup()
    return [y for y in range(this_year, this_year + years_ahead + 1) if lookup.year(y).status == FALLBACK]


def is_workday(d: dt.date | dt.datetime) -> bool:
    return _Lookup().is_workday(_as_date(d))


def is_holiday(d: dt.date | dt.datetime) -> bool:
    """A day off: an official holiday or a weekend day that is not worked."""
    return not is_workday(d)


def holiday_name(d: dt.date | dt.datetime) -> str | None:
    """The official name of a holiday or make-up working day (e.g. "春节"), else None."""
    day = _as_date(d)
    cal = year_calendar(day.year)
    if day in cal.holidays or day in cal.workdays:
        return cal.names.get(day, "")
    return None


def add_workdays(start: dt.date | dt.datetime, n: int) -> dt.date:
    """The n-th working day after ``start`` (``start`` not counted); see the module docs for n=0."""
    if n < 0:
        raise ValueError("n must be >= 0")
    d = _as_date(start)
    lookup = _Lookup()
    if n == 0:
        while not lookup.is_workday(d):
            d += ONE_DAY
        return d
    count = 0
    while count < n:
        d += ONE_DAY
        if lookup.is_workday(d):
            count += 1
    return d


def workdays_between(a: dt.date | dt.datetime, b: dt.date | dt.datetime) -> int:
    """Working days in ``(a, b]``; negative when ``b`` is before ``a``."""
    start, end = _as_date(a), _as_date(b)
    if end < start:
        return -workdays_between(end, start)
    lookup = _Lookup()
    count = 0
    d = start + ONE_DAY
    while d <= end:
        count += lookup.is_workday(d)
        d += ONE_DAY
    return count


def deadline(start: dt.date | dt.datetime, n: int) -> dt.date:
    """The last day of "within n working days of ``start``"."""
    return add_workdays(_as_date(start), n)


# --- entering a year: validation, text format, selectors ----------------------------------------

_KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY.value, "休": DayKind.HOLIDAY.value, "假": DayKind.HOLIDAY.value,
    "workday": DayKind.WORKDAY.value, "班": DayKind.WORKDAY.value,
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NAME_MAX = 100


def check_year(year: Any) -> str | None:
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        return _("The year must be a number from %(min)s to %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}
    return None


def check_days(year: int, days: Sequence[Any]) -> list[tuple[int, str]]:
    """Problems with a year's (date, kind, name) list, as (index, message); empty when valid."""
    problems: list[tuple[int, str]] = []
    seen: set[dt.date] = set()
    for i, entry in enumerate(days):
        try:
            date, kind, name = entry
        except (TypeError, ValueError):
            problems.append((i, _("Each day must be given as (date, kind, name).")))
            continue
        if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
            problems.append((i, _("“%(value)s” is not a date.") % {"value": date}))
            continue
        iso = date.isoformat()
        if date.year != year:
            problems.append((i, _("%(date)s is not in the year %(year)s.") % {"date": iso, "year": year}))
        if kind not in DayKind.values:
            problems.append((i, _("%(date)s: the kind must be “holiday” or “workday”, not “%(kind)s”.")
                             % {"date": iso, "kind": kind}))
        elif kind == DayKind.WORKDAY and date.weekday() < 5:
            problems.append((i, _("%(date)s: a make-up working day must be a Saturday or Sunday.") % {"date": iso}))
        if not isinstance(name, str) or len(name) > NAME_MAX:
            problems.append((i, _("%(date)s: the name must be text of at most %(max)s characters.")
                             % {"date": iso, "max": NAME_MAX}))
        if date in seen:
            problems.append((i, _("%(date)s is listed twice.") % {"date": iso}))
        seen.add(date)
    return problems


def parse_days_text(text: str, year: int) -> list[DayEntry]:
    """Parse lines like ``2027-01-01 holiday 元旦`` / ``2027-02-07 workday 春节调休``.

    Blank lines and lines starting with ``#`` are skipped; ``休``/``假`` may stand for holiday and
    ``班`` for workday. Raises ValidationError with one message per bad line, naming the line.
    """
    days: list[DayEntry] = []
    line_numbers: list[int] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().replace("\u3000", " ")
        if not line or line.startswith("#"):
            continue
        parts = re.split(r"[\s,，]+", line, maxsplit=2)
        if len(parts) < 2:
            errors.append(_("Line %(line)s: write “date kind name”, e.g. “%(example)s”.")
                          % {"line": number, "example": f"{year}-01-01 holiday 元旦"})
            continue
        value, kind_text = parts[0], parts[1]
        name = parts[2].strip() if len(parts) > 2 else ""
        try:
            if not _DATE_RE.match(value):
                raise ValueError(value)
            date = dt.date.fromisoformat(value)
        except ValueError:
            errors.append(_("Line %(line)s: “%(value)s” is not a date in the form YYYY-MM-DD.")
                          % {"line": number, "value": value})
            continue
        kind = _KIND_ALIASES.get(kind_text.lower())
        if kind is None:
            errors.append(_("Line %(line)s: the kind must be “holiday” or “workday”, not “%(kind)s”.")
                          % {"line": number, "kind": kind_text})
            continue
        days.append((date, kind, name))
        line_numbers.append(number)
    for index, message in check_days(year, days):
        errors.append(_("Line %(line)s: %(problem)s") % {"line": line_numbers[index], "problem": message})
    if errors:
        raise ValidationError(errors)
    return days


def days_as_text(days: Iterable[DayEntry]) -> str:
    return "\n".join(f"{d.isoformat()} {kind} {name}".rstrip() for d, kind, name in sorted(days))


def entered_years() -> QuerySet[OfficialCalendarYear]:
    """The entered years with their day counts, for the staff page (one query)."""
    return OfficialCalendarYear.objects.select_related("entered_by").annotate(
        holiday_days=Count("days", filter=Q(days__kind=DayKind.HOLIDAY)),
        makeup_days=Count("days", filter=Q(days__kind=DayKind.WORKDAY)),
    ).order_by("year")


def entered_year(year: int) -> OfficialCalendarYear | None:
    return OfficialCalendarYear.objects.select_related("entered_by").filter(year=year).first()


@dataclass
class YearRow:
    year: int
    status: Status
    calendar: YearCalendar
    entry: OfficialCalendarYear | None


def overview(*, today: dt.date | None = None, before: int = 1, after: int = 2) -> list[YearRow]:
    """Rows for the staff page: the years around this one plus every entered year."""
    this_year = (today or _today()).year
    entries = {e.year: e for e in entered_years()}
    years = sorted(set(range(this_year - before, this_year + after + 1)) | set(entries))
    lookup = _Lookup()
    return [YearRow(y, lookup.year(y).status, lookup.year(y), entries.get(y)) for y in years]
