"""The member figures (members/figures.py) against a hand-counted scenario built through the actions.

The fixture tree (testing/fixtures.py) plus, with their dates:

    branch_a1: alice (full), bob (probationary since 2010), erin (probationary 2025-03-01, full 2026-03-01),
               kate (full; transferred out of the county 2026-03-15),
               henry (full; moved to branch_a2 on 2026-02-01), grace (arrives from branch_b1 2026-03-10)
    branch_a2: carol (full), frank (full; died 2026-04-15), ivan (full; suspended 2025-09-01, restored 2026-05-01)
    branch_b1: dave (full), grace (until 2026-03-10), judy (admitted, probationary, 2026-05-20)

Rolls, as of 2025-12-31 (Y) and 2026-06-30 (D):
    branch_a1  Y: alice bob erin henry kate = 5     D: alice bob erin grace = 4
    branch_a2  Y: carol frank = 2 (ivan suspended)  D: carol henry ivan = 3
    branch_b1  Y: dave grace = 2                    D: dave judy = 2
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import transaction

from dangjian.core import stats
from dangjian.core.roles import Role
from dangjian.members import MemberStatus
from dangjian.members.actions import do_change_member_status, do_update_member
from dangjian.members.development_support import do_register_probationary_member
from dangjian.members.models import Person
from dangjian.members.transfer_support import move_member_for_transfer
from dangjian.stats import selectors as stats_sel
from dangjian.testing.fixtures import make_member, make_user

pytestmark = pytest.mark.django_db

Y = dt.date(2025, 12, 31)
D = dt.date(2026, 6, 30)
TOTAL, JOINED, LEFT, SUSPENDED = (stats.get_figure(k) for k in
                                  ("members.total", "members.joined", "members.left", "members.suspended"))


@pytest.fixture
def s(tree: Any, root_user: Any) -> SimpleNamespace:
    t = SimpleNamespace(**vars(tree))
    u = root_user

    def member(org: Any, name: str, **extra: Any) -> Any:
        return make_member(org, name, acting_user=u, id_number="", phone="", **extra)

    for m, birth in ((t.alice, dt.date(1990, 7, 1)), (t.bob, dt.date(1997, 1, 1)), (t.carol, dt.date(1955, 6, 30)),
                     (t.dave, dt.date(1966, 7, 1))):
        do_update_member(m, {"birth_date": birth}, acting_user=u)  # person data: no spell
    t.erin = member(t.branch_a1, "陈尔", status="probationary", sex="female", birth_date=dt.date(1996, 5, 1),
                    ethnicity="回族", education="bachelor", category="student", join_date=dt.date(2025, 3, 1))
    do_change_member_status(t.erin, MemberStatus.FULL, acting_user=u, reason="转正", on_date=dt.date(2026, 3, 1))
    t.frank = member(t.branch_a2, "冯发", birth_date=dt.date(1950, 1, 1), education="primary", category="retired",
                     join_date=dt.date(1975, 7, 1), full_date=dt.date(1976, 7, 1))
    do_change_member_status(t.frank, MemberStatus.DECEASED, acting_user=u, reason="病故", on_date=dt.date(2026, 4, 15))
    t.grace = member(t.branch_b1, "郭佳", sex="female", birth_date=dt.date(1980, 8, 8), education="master",
                     join_date=dt.date(2000, 7, 1), full_date=dt.date(2001, 7, 1))
    t.henry = member(t.branch_a1, "何恒", birth_date=dt.date(1985, 2, 2), education="senior",
                     join_date=dt.date(2005, 7, 1), full_date=dt.date(2006, 7, 1))
    with transaction.atomic():
        move_member_for_transfer(t.grace, t.branch_a1, acting_user=u, reason="调动", letter_number="ZJ1",
                                 on_date=dt.date(2026, 3, 10))
        move_member_for_transfer(t.henry, t.branch_a2, acting_user=u, reason="调动", letter_number="ZJ2",
                                 on_date=dt.date(2026, 2, 1))
    t.ivan = member(t.branch_a2, "伊万", birth_date=dt.date(1970, 7, 1), education="junior", category="farmer",
                    join_date=dt.date(1995, 7, 1), full_date=dt.date(1996, 7, 1))
    do_change_member_status(t.ivan, MemberStatus.SUSPENDED, acting_user=u, reason="失联", on_date=dt.date(2025, 9, 1))
    do_change_member_status(t.ivan, MemberStatus.FULL, acting_user=u, reason="恢复联系", on_date=dt.date(2026, 5, 1))
    person = Person(name="蒋菊", sex="female", birth_date=dt.date(1998, 3, 3), education="junior_college")
    person.set_name("蒋菊")
    person.save()
    t.judy = do_register_probationary_member(person, t.branch_b1, join_date=dt.date(2026, 5, 20), acting_user=u)
    t.kate = member(t.branch_a1, "康凯", sex="female", birth_date=dt.date(1975, 1, 1), join_date=dt.date(1999, 7, 1),
                    full_date=dt.date(2000, 7, 1))
    do_change_member_status(t.kate, MemberStatus.TRANSFERRED_OUT, acting_user=u, reason="调往外县",
                            on_date=dt.date(2026, 3, 15))
    return t


def value(figure: stats.Figure, org: Any, day: dt.date, **filters: str) -> Any:
    return stats.figure_value(figure, org.path, day, filters)


def names(figure: stats.Figure, org: Any, day: dt.date, **filters: str) -> set[str]:
    return {r.member.person.name for r in stats.filtered_rows(figure, org.path, day, filters)}


def test_total_per_organization_at_two_dates(s):
    expected = {"branch_a1": (5, 4), "branch_a2": (2, 3), "branch_b1": (2, 2), "town_a": (7, 7), "town_b": (2, 2),
                "county": (9, 9)}
    for org, (at_y, at_d) in expected.items():
        assert (value(TOTAL, getattr(s, org), Y), value(TOTAL, getattr(s, org), D)) == (at_y, at_d), org
    assert names(TOTAL, s.branch_a1, D) == {"张爱丽", "李博", "陈尔", "郭佳"}


def test_a_member_transferred_out_in_march_counts_in_last_years_table_not_this_years(s):
    assert "康凯" in names(TOTAL, s.branch_a1, Y)
    assert "康凯" not in names(TOTAL, s.branch_a1, dt.date(2026, 12, 31))
    assert "康凯" in names(LEFT, s.branch_a1, dt.date(2026, 12, 31), how="transferred_out")
    assert "康凯" not in names(LEFT, s.branch_a1, Y)


def test_total_dimensions(s):
    county = s.county.path
    assert stats.breakdown(TOTAL, county, D, "sex") == {"male": 6, "female": 3}
    assert stats.breakdown(TOTAL, county, D, "ethnicity") == {"han": 8, "minority": 1}
    assert stats.breakdown(TOTAL, county, D, "status") == {"full": 7, "probationary": 2}
    # ages at D; carol turns 71 on D itself, dave is 59 until the next day
    assert stats.breakdown(TOTAL, county, D, "age_band") == {"le30": 3, "31_35": 1, "41_45": 2, "51_55": 1,
                                                             "56_60": 1, "ge71": 1}
    assert stats.breakdown(TOTAL, county, D, "education") == {"postgrad": 1, "bachelor": 1, "junior_college": 1,
                                                              "secondary": 1, "junior_or_below": 1, "": 4}
    assert stats.breakdown(TOTAL, county, D, "category") == {"in_service": 7, "student": 1, "farmer": 1}
    # standing from the join date: 2010-07-01 is 15 years at D, henry (2005-07-01) exactly 20, ivan 30
    assert stats.breakdown(TOTAL, county, D, "standing") == {"le5": 2, "11_20": 5, "21_30": 2}
    assert stats.breakdown(TOTAL, county, D, stats.CHILD) == {s.town_a.path: 7, s.town_b.path: 2}
    # one query splits by every dimension at once, and agrees with the one-dimension splits
    tab = stats.crosstab(TOTAL, county, D, list(TOTAL.dimensions))
    assert sum(tab.values()) == 9
    assert stats.figure_value(TOTAL, county, D, {"sex": "female", "status": "full", "standing": "le5"}) == 1  # erin


def test_status_and_age_are_those_of_the_day(s):
    # erin was probationary at the end of 2025, full at D; the age band follows the date
    assert stats.breakdown(TOTAL, s.branch_a1.path, Y, "status") == {"full": 3, "probationary": 2}
    assert names(TOTAL, s.county, Y, age_band="le30") == {"李博", "陈尔"}  # erin 29, bob 28
    assert names(TOTAL, s.county, Y, age_band="ge71") == {"冯发"}  # carol is 70 until 2026-06-30


def test_joined_and_left_per_subtree(s):
    expected = {  # (joined, left) in 2026 up to D
        "branch_a1": (1, 2), "branch_a2": (2, 1), "branch_b1": (1, 1), "town_a": (2, 2), "town_b": (1, 1),
        "county": (2, 2),
    }
    for org, pair in expected.items():
        assert (value(JOINED, getattr(s, org), D), value(LEFT, getattr(s, org), D)) == pair, org
    assert stats.breakdown(JOINED, s.county.path, D, "how") == {"restored": 1, "developed": 1}
    assert stats.breakdown(JOINED, s.town_a.path, D, "how") == {"transferred_in": 1, "restored": 1}
    assert stats.breakdown(JOINED, s.branch_a2.path, D, "how") == {"transferred_in": 1, "restored": 1}
    assert stats.breakdown(LEFT, s.county.path, D, "how") == {"deceased": 1, "transferred_out": 1}
    assert stats.breakdown(LEFT, s.branch_a1.path, D, "how") == {"transferred_out": 2}
    # the exit counts under the branch the member left
    assert stats.breakdown(LEFT, s.town_a.path, D, stats.CHILD) == {s.branch_a1.path: 1, s.branch_a2.path: 1}


def test_a_move_between_two_branches_of_one_town_is_in_and_out_for_the_branches_only(s):
    assert "何恒" in names(LEFT, s.branch_a1, D) and "何恒" in names(JOINED, s.branch_a2, D)
    assert "何恒" not in names(LEFT, s.town_a, D) | names(JOINED, s.town_a, D)


def test_joined_dimensions_are_the_values_at_the_entry(s):
    county = s.county.path
    assert stats.crosstab(JOINED, county, D, ["how", "sex", "age_band", "education", "category"]) == {
        ("restored", "male", "51_55", "junior_or_below", "farmer"): 1,
        ("developed", "female", "le30", "junior_college", "in_service"): 1,
    }


def test_this_years_end_is_last_years_end_plus_joined_minus_left(s):
    for org in (s.county, s.town_a, s.town_b, s.branch_a1, s.branch_a2, s.branch_b1):
        for day in (dt.date(2026, 2, 28), dt.date(2026, 3, 10), D, dt.date(2026, 12, 31)):
            total = value(TOTAL, org, day)
            assert total == value(TOTAL, org, Y) + value(JOINED, org, day) - value(LEFT, org, day), (org.name, day)


def test_suspended(s):
    assert value(SUSPENDED, s.county, Y) == 1
    assert names(SUSPENDED, s.county, Y) == {"伊万"}
    assert value(SUSPENDED, s.county, D) == 0
    assert stats.breakdown(LEFT, s.branch_a2.path, Y, "how") == {"suspended": 1}


def test_drill_down_rows_are_masked_and_link_the_member(s):
    rows = [TOTAL.row(r) for r in stats.filtered_rows(TOTAL, s.branch_a1.path, D, {"sex": "female"})]
    erin = next(r for r in rows if r["name"] == "陈尔")
    assert erin["age"] == 30 and erin["organization"] == s.branch_a1.name and erin["url"] == f"/members/{s.erin.pk}/"
    assert {k for r in rows for k in r} == {"name", "sex", "age", "organization", "status", "education", "date", "url"}
    left = [LEFT.row(r) for r in stats.filtered_rows(LEFT, s.branch_b1.path, D)]
    assert [(r["name"], r["organization"]) for r in left] == [("郭佳", s.branch_b1.name)]  # the branch left


def test_records_page_lists_the_cell_in_bounded_queries(s, client, root_user, django_assert_max_num_queries):
    admin = make_user("county-admin", Role.COUNTY_ADMIN, s.county, acting_user=root_user)
    client.force_login(admin)
    url = stats_sel.drilldown_url(TOTAL, s.county, D)
    with django_assert_max_num_queries(12):
        resp = client.get(url)
    assert resp.status_code == 200
    assert resp.context["total"] == 9 == len(resp.context["rows"])
    html = resp.content.decode()
    alice = s.alice.person
    assert alice.name in html and alice.phone_masked not in html and alice.id_number_masked not in html
    filtered = client.get(stats_sel.drilldown_url(JOINED, s.county, D, {"how": "developed"}))
    assert filtered.context["total"] == 1 and "蒋菊" in filtered.content.decode()


def test_records_page_stays_in_the_callers_scope(s, client, root_user):
    secretary = make_user("secretary-a1", Role.SECRETARY, s.branch_a1, acting_user=root_user)
    client.force_login(secretary)
    assert client.get(stats_sel.drilldown_url(TOTAL, s.branch_a1, D)).status_code == 200
    assert client.get(stats_sel.drilldown_url(TOTAL, s.branch_a2, D)).status_code == 404
    assert client.get(stats_sel.drilldown_url(LEFT, s.town_a, D)).status_code == 404
