"""The case figures against hand-counted cases taken through the actions, then dated in 2026
(housing: a county department; town office: a department of town_a):
    K1  housing, 2 Mar, deadline 16 Mar, replied 10 Mar, closed 20 Mar     on time
    K2  housing, 2 Mar, deadline 16 Mar, replied 20 Mar, rated not satisfied  late
    K3  housing, 1 Jun, deadline 15 Jun, accepted, never replied          late from the end of 15 Jun
    K4  housing, 20 Nov, deadline 10 Jan 2027, not replied                 not due
    K5  town office, 1 Apr, deadline 15 Apr, replied 10 Apr, rated satisfied  on time
    K6  housing, incident 1 May 10:00, due 2 May 10:00, replied 2 May 12:00   late (after the hour)
    K7  housing, 10 Dec 2025                                               last year
    K8  housing, 1 Jul, deadline 15 Jul, sent back                         owes no reply
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from dangjian.cases.actions import (
    do_accept_case,
    do_close_case,
    do_create_department,
    do_reply_case,
    do_send_back_case,
    rate_case_from_source,
)
from dangjian.cases.models import Case
from dangjian.core import stats
from dangjian.testing.figures import assert_not_found, assert_records, figure, value

pytestmark = pytest.mark.django_db

REPLY = "已修复村口路灯，谢谢反映。"


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _date(case: Any, **fields: Any) -> None:
    Case.objects.filter(pk=case.pk).update(**fields)


@pytest.fixture
def cases(tree: Any, users: Any, depts: Any, make_case: Any) -> SimpleNamespace:
    office = do_create_department({"name": "甲镇综合办", "organization": tree.town_a}, acting_user=users.admin)
    from dangjian.cases import MemberRole
    from dangjian.cases.actions import do_add_department_member

    do_add_department_member(office, depts.h1, MemberRole.HANDLER, acting_user=users.admin)
    k = SimpleNamespace()
    h = depts.h1

    def replied(case: Any) -> Any:
        do_accept_case(case, acting_user=h)
        return do_reply_case(case, reply=REPLY, acting_user=h)

    k.k1 = replied(make_case(title="K1"))
    do_close_case(k.k1, acting_user=users.admin)
    k.k2 = replied(make_case(title="K2"))
    rate_case_from_source(k.k2, "not_satisfied", acting_user=None)
    k.k3 = make_case(title="K3")
    do_accept_case(k.k3, acting_user=h)
    k.k4 = make_case(title="K4")
    k.k5 = replied(make_case(office, title="K5"))
    rate_case_from_source(k.k5, "satisfied", acting_user=None)
    k.k6 = replied(make_case(title="K6", category="incident"))
    k.k7 = make_case(title="K7")
    k.k8 = make_case(title="K8")
    do_send_back_case(k.k8, reason="不属于本部门职责范围", acting_user=h)
    d = dt.date
    _date(k.k1, assigned_at=_at(d(2026, 3, 2)), deadline=d(2026, 3, 16), replied_at=_at(d(2026, 3, 10)),
          closed_at=_at(d(2026, 3, 20)))
    _date(k.k2, assigned_at=_at(d(2026, 3, 2)), deadline=d(2026, 3, 16), replied_at=_at(d(2026, 3, 20)))
    _date(k.k3, assigned_at=_at(d(2026, 6, 1)), deadline=d(2026, 6, 15))
    _date(k.k4, assigned_at=_at(d(2026, 11, 20)), deadline=d(2027, 1, 10))
    _date(k.k5, assigned_at=_at(d(2026, 4, 1)), deadline=d(2026, 4, 15), replied_at=_at(d(2026, 4, 10)))
    _date(k.k6, assigned_at=_at(d(2026, 5, 1)), due_at=_at(d(2026, 5, 2)), deadline=d(2026, 5, 2),
          replied_at=_at(d(2026, 5, 2), 12))
    _date(k.k7, assigned_at=_at(d(2025, 12, 10)), deadline=d(2025, 12, 24))
    _date(k.k8, assigned_at=_at(d(2026, 7, 1)), deadline=d(2026, 7, 15))
    return k


def test_end_of_november(tree: Any, cases: Any) -> None:
    day = dt.date(2026, 11, 30)
    assert value("cases.total", tree.county, day) == 7                         # K1–K6, K8
    assert value("cases.total", tree.town_a, day) == 1                         # K5
    assert value("cases.late", tree.county, day) == 3                          # K2, K3, K6
    assert value("cases.on_time_rate", tree.county, day) == Decimal("40.0")    # K1, K5 of five
    assert value("cases.total", tree.county, day, category="incident") == 1
    assert value("cases.total", tree.county, day, source="test") == 7
    fig = figure("cases.total")
    assert stats.breakdown(fig, tree.county.path, day, "state") == {"closed": 1, "replied": 3, "open": 3}
    assert stats.breakdown(fig, tree.county.path, day, stats.CHILD) == {tree.county.path: 6, tree.town_a.path: 1}
    assert value("cases.satisfaction_rate", tree.county, day) == Decimal("50.0")
    assert value("cases.rated", tree.county, day, rating="satisfied") == 1


def test_as_of_earlier_dates(tree: Any, cases: Any) -> None:
    mid_june = dt.date(2026, 6, 14)  # K3 due tomorrow
    assert value("cases.total", tree.county, mid_june) == 5
    assert value("cases.late", tree.county, mid_june) == 2                     # K2, K6
    assert value("cases.on_time_rate", tree.county, mid_june) == Decimal("50.0")
    assert value("cases.late", tree.county, dt.date(2026, 6, 15)) == 3         # K3's deadline day is over
    # 15 March: K1 replied, K2 not yet due; 16 March: K2 late
    assert value("cases.on_time_rate", tree.county, dt.date(2026, 3, 15)) == Decimal("100.0")
    assert value("cases.late", tree.county, dt.date(2026, 3, 16)) == 1
    fig = figure("cases.total")
    assert stats.breakdown(fig, tree.county.path, dt.date(2026, 3, 15), "state") == {"replied": 1, "open": 1}
    assert value("cases.total", tree.county, dt.date(2025, 12, 31)) == 1      # K7
    assert value("cases.on_time_rate", tree.county, dt.date(2026, 1, 31)) is None


def test_records_page_and_scope(client: Any, tree: Any, users: Any, cases: Any) -> None:
    day = dt.date(2026, 11, 30)
    response = assert_records(client, users.admin, "cases.late", tree.county, day, 3)
    assert {r["cells"][1][1] for r in response.context["rows"]} == {"K2", "K3", "K6"}
    assert figure("cases.on_time_rate").drill_key == "cases.late"
    admin = assert_records(client, users.admin, "cases.total", tree.town_a, day, 1)
    own = assert_records(client, users.discipline, "cases.total", tree.town_a, day, 1)   # cases.view on town_a
    assert admin.context["rows"] == own.context["rows"]
    assert_not_found(client, users.secretary, "cases.total", tree.branch_a1, day)        # no cases.view
    assert_not_found(client, users.discipline, "cases.total", tree.county, day)          # outside the scope


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])  # a fixed offset; summer time
@pytest.mark.parametrize(("hour", "minute", "late"), [(23, 59, 0), (0, 0, 1)])
def test_a_reply_is_late_from_the_local_midnight_after_the_deadline(tree: Any, users: Any, depts: Any,
                                                                    make_case: Any, settings: Any, zone: str,
                                                                    hour: int, minute: int, late: int) -> None:
    settings.TIME_ZONE = zone
    case = make_case(title="K9")
    do_accept_case(case, acting_user=depts.h1)
    do_reply_case(case, reply=REPLY, acting_user=depts.h1)
    deadline = dt.date(2026, 3, 16)
    replied_on = deadline if hour else deadline + dt.timedelta(days=1)
    replied = timezone.make_aware(dt.datetime.combine(replied_on, dt.time(hour, minute)))
    _date(case, assigned_at=_at(dt.date(2026, 3, 2)), deadline=deadline, replied_at=replied)
    day = dt.date(2026, 3, 31)
    assert value("cases.late", tree.county, day) == late
    assert value("cases.on_time_rate", tree.county, day) == (Decimal("0.0") if late else Decimal("100.0"))
