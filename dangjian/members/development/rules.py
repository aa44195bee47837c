"""Date arithmetic and configurable figures of the development pipeline (DOMAIN.md §4).

Configuration: ``settings.DANGJIAN["DEVELOPMENT"]`` (a dict) overrides any of ``DEFAULTS``.
Months are calendar months: "within 1 month of 31 January" ends on 28/29 February (the day is
clamped to the month's length); "after one year" from 29 February ends on 28 February."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from dangjian.core import workdays
from dangjian.core.months import add_months, add_years

DEFAULTS: dict[str, int] = {
    "MIN_AGE": 18,                 # step 1: applicants are at least 18
    "TALK_MONTHS": 1,              # step 2: branch talks within 1 month of the application
    "ACTIVIST_YEARS": 1,           # step 7: candidate only after more than 1 year as activist
    "ASSESSMENT_MONTHS": 6,        # step 6/21: assessment every half year
    "TRAINING_DAYS": 3,            # step 11: ≥3 days ...
    "TRAINING_HOURS": 24,          # ... or ≥24 class hours
    "NOTICE_WORKDAYS": 5,          # public notice before admission: N working days
    "APPROVAL_MONTHS": 3,          # step 17/24: approval within 3 months ...
    "APPROVAL_MONTHS_SPECIAL": 6,  # ... or 6 in special cases (a reason is required)
    "PROBATION_YEARS": 1,          # probation: 1 year from the branch-assembly vote
    "FULL_APPLICATION_DAYS_BEFORE": 30,  # step 22: applying for full membership from 30 days before
    "REMIND_DAYS_BEFORE": 7,       # reminders this many days before a deadline
    "MAX_UPLOAD_MB": 10,
}


def config(key: str) -> int:
    conf: Any = settings.DANGJIAN
    overrides: dict[str, Any] = conf.get("DEVELOPMENT") or {}
    return int(overrides.get(key, DEFAULTS[key]))


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def talk_due(applied_on: dt.date) -> dt.date:
    """Last day for the branch's talk with the applicant."""
    return add_months(applied_on, config("TALK_MONTHS"))


def candidate_earliest(activist_on: dt.date) -> dt.date:
    """First day a candidate may be confirmed: *more than* one year after becoming an activist."""
    return add_years(activist_on, config("ACTIVIST_YEARS")) + dt.timedelta(days=1)


def approval_due(vote_on: dt.date, *, special: bool = False) -> dt.date:
    months = config("APPROVAL_MONTHS_SPECIAL" if special else "APPROVAL_MONTHS")
    return add_months(vote_on, months)


def probation_end(assembly_on: dt.date, extension_months: int = 0) -> dt.date:
    """The day probation is complete: one year (plus any extension) from the assembly vote."""
    return add_months(add_years(assembly_on, config("PROBATION_YEARS")), extension_months)


def notice_end(start: dt.date, n: int | None = None) -> dt.date:
    """Last day of a public notice of ``n`` working days that starts on ``start`` (counted if it
    is a working day)."""
    n = config("NOTICE_WORKDAYS") if n is None else n
    first = workdays.add_workdays(start, 0)  # the first working day on or after start
    return workdays.add_workdays(first, n - 1) if n > 1 else first


def full_application_earliest(probation_ends_on: dt.date) -> dt.date:
    return probation_ends_on - dt.timedelta(days=config("FULL_APPLICATION_DAYS_BEFORE"))


def assembly_quorum_ok(entitled: int, present: int) -> bool:
    """Quorum of a branch assembly: more than half of the full members entitled to vote."""
    return 2 * present > entitled


def assembly_passes(entitled: int, yes: int) -> bool:
    """A motion passes when yes votes (written opinions of absentees count) exceed half of
    those entitled to vote."""
    return 2 * yes > entitled


def committee_quorum_ok(size: int, present: int) -> bool:
    return 2 * present > size


def committee_passes(present: int, yes: int) -> bool:
    return 2 * yes > present
