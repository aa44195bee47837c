"""The case engine's statistics figures (issue 15), registered in ``core.hooks``.

A case belongs to its lead department's organization (``org_path``) and to the year it was
assigned. "As of" a day reads the case's own timestamps: assigned (``assigned_at``), replied
(``replied_at``), closed (``closed_at``). Timeliness follows the deadline rules of the case
engine (``rules.overdue_q``, ``actions.accountability_grounds``): a reply is late when it came
after the deadline day, or for an incident after its due hour; a case not replied by the end of
the day is late once its deadline day is over (or its due hour passed). A case reopened
(重办) is judged on its latest reply and deadline. Ratings carry no date: the satisfaction
figures read them as they are now (``history=False``). One query per value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any, overload

from django.db import connection
from django.db.models import CharField, Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.cases import CaseCategory, CaseState, Rating, sources
from dangjian.cases.models import Case
from dangjian.core.hooks import Dimension, Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.core.stats import rate

PERM = "cases.view"
OPEN, REPLIED, CLOSED = "open", "replied", "closed"


def day_end(as_of: dt.date) -> dt.datetime:
    """The end of the day ``as_of`` (the first instant of the next day, local time)."""
    return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min),
                               timezone.get_default_timezone())


def _assigned_in_year(org_path: str, as_of: dt.date) -> QuerySet[Case]:
    start = timezone.make_aware(dt.datetime.combine(dt.date(as_of.year, 1, 1), dt.time.min),
                                timezone.get_default_timezone())
    return (Case.objects.filter(subtree_q(org_path, "org_path"), assigned_at__gte=start, assigned_at__lt=day_end(as_of))
            .select_related("lead_department")
            .only("pk", "number", "title", "category", "state", "source_kind", "org_path", "assigned_at", "deadline",
                  "due_at", "replied_at", "closed_at", "rating", "lead_department__name")
            .order_by("-assigned_at", "-pk"))


def _replied_by(as_of: dt.date) -> Q:
    return Q(replied_at__lt=day_end(as_of))


def _fixed_offset(year: int) -> dt.timedelta | None:
    """The local time zone's offset from UTC when it is the same all ``year`` and in [0, 24 h)
    (Asia/Shanghai: +08:00); None otherwise (summer time, or west of Greenwich)."""
    tz = timezone.get_default_timezone()
    offsets = {dt.datetime(year, month, 1, 12, tzinfo=tz).utcoffset() for month in range(1, 13)}
    offset = offsets.pop() if len(offsets) == 1 else None
    return offset if offset is not None and dt.timedelta(0) <= offset < dt.timedelta(days=1) else None


def late_reply(as_of: dt.date) -> Q:
    """A reply after the deadline day (local time), or after an incident's due hour.

    "The local date of ``replied_at`` is after ``deadline``" is a date cast per row, which SQLite
    runs as a Python function (≈30 µs a case: 1.6 s for a county's 50,000 cases). With a fixed
    offset it is one text comparison there: ``replied_at`` (stored as UTC text) at or after the
    deadline day's end in UTC, ``deadline || ' HH:MM:SS'``."""
    by_hour = Q(due_at__isnull=False, replied_at__gt=F("due_at"))
    offset = _fixed_offset(as_of.year) if connection.vendor == "sqlite" else None
    if offset is None:
        return Q(replied_at__date__gt=F("deadline")) | by_hour
    seconds = int((dt.timedelta(days=1) - offset).total_seconds())  # the local midnight after the deadline, in UTC
    clock = f" {seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return Q(replied_at__gte=Concat(F("deadline"), Value(clock), output_field=CharField())) | by_hour


def on_time_q(as_of: dt.date) -> Q:
    """Replied by the end of the day, in time."""
    return _replied_by(as_of) & ~late_reply(as_of)


def late_q(as_of: dt.date) -> Q:
    """Replied late by the end of the day, or not replied then with the deadline day over (or the
    due hour passed). A case sent back, or closed without a reply, owes no reply."""
    end = day_end(as_of)
    unreplied = (Q(replied_at__isnull=True) | Q(replied_at__gte=end)) & ~Q(
        replied_at__isnull=True, state__in=[CaseState.SENT_BACK, CaseState.CLOSED])
    return (_replied_by(as_of) & late_reply(as_of)) | (unreplied & (Q(deadline__lte=as_of) | Q(due_at__lt=end)))


def total(org_path: str, as_of: dt.date) -> QuerySet[Case]:
    """Cases assigned from 1 January to the end of the day."""
    return _assigned_in_year(org_path, as_of)


def late(org_path: str, as_of: dt.date) -> QuerySet[Case]:
    return _assigned_in_year(org_path, as_of).filter(late_q(as_of))


def on_time_rate(org_path: str, as_of: dt.date) -> Decimal | None:
    counts = _assigned_in_year(org_path, as_of).aggregate(
        on_time=Count("pk", filter=on_time_q(as_of)), late=Count("pk", filter=late_q(as_of)))
    return rate(counts["on_time"], counts["on_time"] + counts["late"])


_RATED = Q(rated_satisfied__gt=0) | Q(rated_basically__gt=0) | Q(rated_not_satisfied__gt=0)


def rated(org_path: str, as_of: dt.date) -> QuerySet[Case]:
    """Cases of the year whose answer was rated (ratings as they are now)."""
    return _assigned_in_year(org_path, as_of).filter(_RATED)


def satisfaction_rate(org_path: str, as_of: dt.date) -> Decimal | None:
    sums = _assigned_in_year(org_path, as_of).aggregate(
        good=Sum(F("rated_satisfied") + F("rated_basically")),
        all=Sum(F("rated_satisfied") + F("rated_basically") + F("rated_not_satisfied")))
    return rate(sums["good"] or 0, sums["all"] or 0)


def _state_q(value: str, as_of: dt.date) -> Q:
    """Where the case stood at the end of the day: closed, replied (not closed), or open."""
    end = day_end(as_of)
    closed = Q(closed_at__lt=end)
    if value == CLOSED:
        return closed
    if value == REPLIED:
        return ~closed & _replied_by(as_of)
    return ~closed & ~_replied_by(as_of)


class _SourceChoices(Sequence[tuple[str, Any]]):
    """The registered case sources (opinions, incidents …), read when asked: sources register from
    their own ``ready()``, after this module's figures."""

    def _items(self) -> list[tuple[str, Any]]:
        out = []
        for kind in sources.source_kinds():
            source = sources.get_source(kind)
            out.append((kind, source.label if source is not None else kind))
        return out

    @overload
    def __getitem__(self, index: int) -> tuple[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return iter(self._items())


CATEGORY = Dimension(pgettext_lazy("case", "Category"), choices=CaseCategory.choices, field="category")
SOURCE = Dimension(_("Source"), choices=_SourceChoices(), field="source_kind")
STATE = Dimension(_("State on the day"), choices=[(OPEN, _("Not replied")), (REPLIED, _("Replied")),
                                                   (CLOSED, _("Closed"))], q=_state_q)
RATING = Dimension(_("First rating"), choices=Rating.choices, field="rating")

COLUMNS = [("number", _("Case number")), ("title", _("Title")), ("category", pgettext_lazy("case", "Category")),
           ("department", _("Lead department")), ("assigned", _("Assigned")), ("deadline", _("Deadline")),
           ("state", _("State now"))]


def row(c: Case) -> dict[str, Any]:
    return {"number": c.number, "title": c.title, "category": c.get_category_display(),
            "department": c.lead_department.name, "assigned": timezone.localtime(c.assigned_at).date(),
            "deadline": c.deadline, "state": c.get_state_display(), "url": reverse("cases:detail", args=[c.pk])}


UNIT = pgettext_lazy("unit", "cases")

FIGURES = [
    Figure(key="cases.total", label=_("Cases assigned this year"), module="cases", unit=UNIT, perm=PERM, rows=total,
           dimensions={"category": CATEGORY, "source": SOURCE, "state": STATE}, columns=COLUMNS, row=row, order=10,
           description=_("Cases assigned to a lead department of the organization from 1 January to the day; "
                         "“state on the day” says whether each had been replied to or closed by its end.")),
    Figure(key="cases.on_time_rate", label=_("Cases answered on time"), module="cases", unit="%", perm=PERM,
           value=on_time_rate, drill="cases.late", order=20, description=_(
               "Of this year's cases whose answer was due or given by the end of the day, the share answered "
               "on time: on time = replied no later than the deadline day (an incident: its due hour); late = "
               "replied after it, or still without a reply once the deadline day is over. Cases not yet due and "
               "not replied, sent back or closed without a reply are left out. A reopened case counts with its "
               "latest reply and deadline.")),
    Figure(key="cases.late", label=_("Cases answered late"), module="cases", unit=UNIT, perm=PERM, rows=late,
           dimensions={"category": CATEGORY, "source": SOURCE}, columns=COLUMNS, row=row, order=30,
           description=_("This year's cases replied after their deadline, or not replied by the end of the day "
                         "with the deadline day over.")),
    Figure(key="cases.satisfaction_rate", label=_("Satisfaction with answers"), module="cases", unit="%", perm=PERM,
           value=satisfaction_rate, drill="cases.rated", history=False, order=40, description=_(
               "Of the ratings given to the answers of this year's cases (every sender's, merged opinions "
               "included), the share “satisfied” or “basically satisfied”. Ratings keep no date: they are "
               "counted as they are now, whatever the day asked.")),
    Figure(key="cases.rated", label=_("Cases rated"), module="cases", unit=UNIT, perm=PERM, rows=rated,
           dimensions={"rating": RATING, "category": CATEGORY}, columns=COLUMNS, row=row, history=False, order=50,
           description=_("This year's cases whose answer was rated by a sender (ratings as they are now; the "
                         "rating dimension is the first sender's).")),
]


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
