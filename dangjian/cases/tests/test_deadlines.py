"""Deadlines in working days across the 2026 (chinese-calendar) and 2027 (entered) calendars."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from dangjian.cases import CaseCategory
from dangjian.cases.rules import compute_deadline, deadline_workdays
from dangjian.core import workdays
from dangjian.core.workdays_actions import do_save_official_year

TZ = timezone.get_default_timezone()

#: A 2027 calendar entered the way an administrator enters the State Council's notice
#: (chinese-calendar 1.11 stops at 2026, so 2027 would otherwise count weekends only).
CAL_2027 = [
    (dt.date(2027, 1, 1), "holiday", "元旦"),
    (dt.date(2027, 1, 31), "workday", "春节调休"),
    *[(dt.date(2027, 2, 6) + dt.timedelta(days=i), "holiday", "春节") for i in range(7)],
    (dt.date(2027, 2, 20), "workday", "春节调休"),
    (dt.date(2027, 9, 26), "workday", "国庆节调休"),
    *[(dt.date(2027, 10, 1) + dt.timedelta(days=i), "holiday", "国庆节") for i in range(7)],
    (dt.date(2027, 10, 9), "workday", "国庆节调休"),
]


def at(y: int, m: int, d: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(y, m, d, hour, tzinfo=TZ)


@pytest.fixture
def cal_2027(root_user: Any) -> None:
    do_save_official_year(2027, CAL_2027, source_note="国办发明电〔2026〕X号（测试）", acting_user=root_user)
    assert workdays.calendar_status(2027) == "official_entered"


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "days", "expected"), [
    # National Day 2026: 1–7 Oct off, Saturday 10 Oct worked
    (at(2026, 9, 30), 5, dt.date(2026, 10, 13)),
    # Sunday 20 Sep 2026 is a make-up working day
    (at(2026, 9, 18), 2, dt.date(2026, 9, 21)),
    # Spring Festival 2026: Saturday 14 Feb worked, 15–23 Feb off
    (at(2026, 2, 12), 3, dt.date(2026, 2, 24)),
    # late evening counts as that local day
    (at(2026, 9, 30, 23), 1, dt.date(2026, 10, 8)),
])
def test_deadline_2026(start: dt.datetime, days: int, expected: dt.date) -> None:
    assert workdays.calendar_status(2026) == "package"
    assert workdays.deadline(start, days) == expected


@pytest.mark.django_db
def test_2027_without_entered_calendar_counts_weekends_only() -> None:
    assert workdays.calendar_status(2027) == "fallback"
    # 1 Jan 2027 (a Friday) would be a working day
    assert workdays.deadline(at(2026, 12, 30), 3) == dt.date(2027, 1, 4)


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "days", "expected"), [
    # across the new year: 31 Dec 2026 worked, 1 Jan 2027 off, weekend
    (at(2026, 12, 30), 3, dt.date(2027, 1, 5)),
    # Spring Festival 2027: 6–12 Feb off, 13–14 Feb is a normal weekend
    (at(2027, 2, 4), 3, dt.date(2027, 2, 16)),
    # make-up Sunday 31 Jan 2027
    (at(2027, 1, 29), 1, dt.date(2027, 1, 31)),
    # National Day 2027: 1–7 Oct off, Saturday 9 Oct worked
    (at(2027, 9, 30), 2, dt.date(2027, 10, 9)),
])
def test_deadline_2027_entered(cal_2027: None, start: dt.datetime, days: int, expected: dt.date) -> None:
    assert workdays.deadline(start, days) == expected


@pytest.mark.django_db
def test_case_deadline_uses_category_and_calendar(cal_2027: None, make_case: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: at(2027, 2, 4))
    case = make_case(category=CaseCategory.URGENT)  # 2 working days
    assert case.deadline_days == 2
    assert case.deadline == dt.date(2027, 2, 15)
    assert case.assigned_at == at(2027, 2, 4)


@pytest.mark.django_db
def test_deadline_days_configurable(settings: Any) -> None:
    assert deadline_workdays(CaseCategory.COMPLAINT) == 10
    settings.CASES_DEADLINE_WORKDAYS = {"complaint": 3}
    assert deadline_workdays(CaseCategory.COMPLAINT) == 3
    assert deadline_workdays(CaseCategory.SUGGESTION) == 15
    assert compute_deadline(CaseCategory.COMPLAINT, at(2026, 9, 30)) == (3, dt.date(2026, 10, 10))
