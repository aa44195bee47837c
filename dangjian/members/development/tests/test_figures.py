"""The development pipeline's statistics figures, against a hand-counted set of files.

Files (all applied 2024-05-06 in branch_a1 unless said otherwise), each taken through the real
actions, every step on its earliest legal day:
    A  to step 7  (candidate from May 2025)
    B  to step 3  (activist)
    C  step 1 only (the branch never talked with the applicant: overdue since June 2024)
    D  to step 17 (admitted as a probationary member in May 2025)
    F  to step 16 (assembly vote in May 2025, never approved: overdue since August 2025)
    E  branch_a2, applied 2025-03-01, closed on 2025-04-01
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from dangjian.core import stats
from dangjian.members.development.actions import do_close_file
from dangjian.members.development.tests.helpers import advance, create
from dangjian.testing.figures import assert_not_found, assert_records, figure, value

pytestmark = pytest.mark.django_db

APPLIED = dt.date(2024, 5, 6)
END_2024 = dt.date(2024, 12, 31)
END_2025 = dt.date(2025, 12, 31)


@pytest.fixture
def files(tree: Any, users: Any, clock: Any) -> SimpleNamespace:
    clock.set(APPLIED)
    f = SimpleNamespace()
    f.a = create(tree, users.secretary, APPLIED, name="甲一")
    f.b = create(tree, users.secretary, APPLIED, name="乙二")
    f.c = create(tree, users.secretary, APPLIED, name="丙三")
    f.d = create(tree, users.secretary, APPLIED, name="丁四", sex="male")
    f.f = create(tree, users.secretary, APPLIED, name="戊五")
    advance(f.b, 3, tree, users, clock)
    advance(f.a, 7, tree, users, clock)
    advance(f.f, 16, tree, users, clock)
    advance(f.d, 17, tree, users, clock)
    clock.set(dt.date(2025, 3, 1))
    f.e = create(tree, users.organizer, dt.date(2025, 3, 1), name="己六", organization=tree.branch_a2)
    clock.set(dt.date(2025, 4, 1))
    do_close_file(f.e, reason="撤回申请", acting_user=users.organizer)
    clock.set(dt.date(2026, 1, 5))
    for x in vars(f).values():
        x.refresh_from_db()
    return f


def test_end_of_2025(tree: Any, files: Any) -> None:
    town = tree.town_a
    assert value("development.activists", town, END_2025) == 1            # B
    assert value("development.candidates", town, END_2025) == 2           # A, F
    assert value("development.admitted", town, END_2025) == 1             # D
    assert value("development.admitted", town, END_2025, sex="male") == 1
    assert value("development.in_progress", town, END_2025) == 5          # A, B, C, D, F (E closed)
    fig = figure("development.in_progress")
    assert stats.breakdown(fig, town.path, END_2025, "stage") == {
        "application": 1, "activist": 1, "candidate": 1, "admission": 2}
    assert value("development.overdue", town, END_2025) == 2              # C (talk), F (approval)
    overdue = figure("development.overdue")
    assert stats.breakdown(overdue, town.path, END_2025, "kind") == {"talk": 1, "approval": 1}
    assert stats.breakdown(fig, town.path, END_2025, stats.CHILD) == {tree.branch_a1.path: 5}


def test_as_of_an_earlier_date(tree: Any, files: Any) -> None:
    town = tree.town_a
    # End of 2024: A, B, D, F were activists; nobody a candidate yet; C's talk overdue.
    assert value("development.activists", town, END_2024) == 4
    assert value("development.candidates", town, END_2024) == 0
    assert value("development.admitted", town, END_2024) == 0
    assert value("development.overdue", town, END_2024) == 1
    assert value("development.in_progress", town, END_2024, stage="activist") == 4
    # E was under way in March 2025 (closed in April), its talk not yet due.
    assert value("development.in_progress", tree.branch_a2, dt.date(2025, 3, 15)) == 1
    assert value("development.in_progress", tree.branch_a2, dt.date(2025, 4, 1)) == 0
    assert value("development.overdue", tree.branch_a2, dt.date(2025, 3, 15)) == 0
    # A becomes a candidate on the day of step 7, not the day before.
    on = files.a.candidate_on
    assert value("development.candidates", town, on - dt.timedelta(days=1)) == 0
    assert value("development.candidates", town, on) == 3  # A, D and F, all on their earliest day
    # D's probation ends a year after the vote: overdue the day after, with no vote on full membership.
    ends = files.d.probation_ends_on
    assert value("development.overdue", town, ends - dt.timedelta(days=1), kind="probation") == 0
    assert value("development.overdue", town, ends, kind="probation") == 1


def test_overdue_talk_counts_from_the_day_after_the_deadline(tree: Any, users: Any, clock: Any) -> None:
    clock.set(dt.date(2025, 1, 31))
    create(tree, users.secretary, dt.date(2025, 1, 31), name="庚七")  # talk due 28 February
    assert value("development.overdue", tree.branch_a1, dt.date(2025, 2, 27)) == 0
    assert value("development.overdue", tree.branch_a1, dt.date(2025, 2, 28)) == 1


def test_records_page_and_scope(client: Any, tree: Any, users: Any, files: Any) -> None:
    assert_records(client, users.admin, "development.in_progress", tree.county, END_2025, 5)
    assert_records(client, users.admin, "development.in_progress", tree.county, END_2025, 1, {"stage": "activist"})
    # The branch's secretary sees the same value as the county administrator for that branch.
    admin = assert_records(client, users.admin, "development.candidates", tree.branch_a1, END_2025, 2)
    own = assert_records(client, users.secretary, "development.candidates", tree.branch_a1, END_2025, 2)
    assert admin.context["rows"] == own.context["rows"]
    assert "甲一" in own.content.decode()
    # No development.view on the organization (publicity officer), or outside the scope: 404.
    assert_not_found(client, users.publicity, "development.candidates", tree.town_a, END_2025)
    assert_not_found(client, users.secretary, "development.candidates", tree.town_a, END_2025)
    assert_not_found(client, users.secretary, "development.candidates", tree.branch_b1, END_2025)
