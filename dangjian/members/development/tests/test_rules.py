"""Date arithmetic of the pipeline (hypothesis: month ends, leap years, holidays)."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.core import workdays
from dangjian.members.development import LAST_STEP, STAGE_ORDER, STEPS, Actor, rules

dates = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2026, 12, 31))


def test_steps_are_25_in_5_stages_in_order() -> None:
    assert sorted(STEPS) == list(range(1, LAST_STEP + 1))
    stages = [STEPS[n].stage for n in range(1, 26)]
    assert [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s] == STAGE_ORDER
    assert {n for n, s in STEPS.items() if s.actor == Actor.HIGHER} == {4, 8, 13, 16, 17, 18, 24}
    assert all(str(s.name) for s in STEPS.values())


@given(dates, st.integers(min_value=0, max_value=36))
def test_add_months_clamps_to_month_end(d: dt.date, months: int) -> None:
    r = rules.add_months(d, months)
    assert (r.year * 12 + r.month) - (d.year * 12 + d.month) == months
    assert r.day == min(d.day, calendar.monthrange(r.year, r.month)[1])


def test_month_and_leap_year_examples() -> None:
    assert rules.talk_due(dt.date(2024, 1, 31)) == dt.date(2024, 2, 29)
    assert rules.talk_due(dt.date(2023, 1, 31)) == dt.date(2023, 2, 28)
    assert rules.talk_due(dt.date(2025, 12, 15)) == dt.date(2026, 1, 15)
    assert rules.probation_end(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert rules.candidate_earliest(dt.date(2024, 2, 29)) == dt.date(2025, 3, 1)
    assert rules.approval_due(dt.date(2025, 11, 30)) == dt.date(2026, 2, 28)
    assert rules.approval_due(dt.date(2025, 11, 30), special=True) == dt.date(2026, 5, 30)
    assert rules.probation_end(dt.date(2025, 8, 31), 6) == dt.date(2027, 2, 28)


@given(dates)
def test_candidate_only_after_more_than_a_year(activist_on: dt.date) -> None:
    earliest = rules.candidate_earliest(activist_on)
    one_year = rules.add_years(activist_on, 1)
    assert earliest == one_year + dt.timedelta(days=1)
    assert 366 <= (earliest - activist_on).days <= 367


@given(dates)
def test_probation_is_one_calendar_year(assembly_on: dt.date) -> None:
    end = rules.probation_end(assembly_on)
    assert end.year == assembly_on.year + 1 and end.month == assembly_on.month
    assert 365 <= (end - assembly_on).days <= 366


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2026, 12, 20)), st.integers(min_value=1, max_value=10))
def test_notice_counts_n_working_days(start: dt.date, n: int) -> None:
    end = rules.notice_end(start, n)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    assert sum(workdays.is_workday(d) for d in days) == n
    assert workdays.is_workday(end)


@pytest.mark.django_db
def test_notice_over_national_day_holiday() -> None:
    # 2025-09-30 is a working day; 1–8 October are holidays; 28 Sep and 11 Oct are make-up working days.
    assert rules.notice_end(dt.date(2025, 9, 30), 5) == dt.date(2025, 10, 13)  # the 11th (Sat) counts
    assert rules.notice_end(dt.date(2025, 10, 1), 1) == dt.date(2025, 10, 9)
    # Spring Festival 2026 (15–23 February).
    assert rules.notice_end(dt.date(2026, 2, 13), 2) == dt.date(2026, 2, 14)


@pytest.mark.parametrize(("entitled", "present", "ok"), [(10, 5, False), (10, 6, True), (9, 5, True), (1, 1, True), (2, 1, False)])
def test_assembly_quorum_more_than_half(entitled: int, present: int, ok: bool) -> None:
    assert rules.assembly_quorum_ok(entitled, present) is ok


@given(st.integers(min_value=1, max_value=500), st.data())
def test_assembly_majority_of_those_entitled(entitled: int, data: st.DataObject) -> None:
    yes = data.draw(st.integers(min_value=0, max_value=entitled))
    assert rules.assembly_passes(entitled, yes) is (yes > entitled / 2)


def test_config_override(settings: object) -> None:
    settings.DANGJIAN = {**settings.DANGJIAN, "DEVELOPMENT": {"NOTICE_WORKDAYS": 7}}  # type: ignore[attr-defined]
    assert rules.config("NOTICE_WORKDAYS") == 7
    assert rules.config("TALK_MONTHS") == 1
