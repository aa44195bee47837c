"""The case engine on the workbench: to-do sources, search, card, navigation (issue 14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone

from dangjian.cases import actions
from dangjian.cases.models import Case
from dangjian.cases.workbench import workbench_cards
from dangjian.core.models import RecentItem
from dangjian.core.navigation import navigation
from dangjian.core.roles import Role
from dangjian.core.search import search_all
from dangjian.core.todos import forget_counts, todos_for
from dangjian.testing.fixtures import PASSWORD, make_user

pytestmark = pytest.mark.django_db

APP_PREFIXES = ("cases:",)


def refs(user: Any, source: str) -> list[str]:
    forget_counts(user)
    todos = todos_for(user, sources=[source])
    return [t.ref for t in todos.items]


def make_overdue(case: Case) -> Case:
    Case.objects.filter(pk=case.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    case.refresh_from_db()
    return case


def test_handler_sees_own_department_cases_until_replied(users: Any, depts: Any, make_case: Any) -> None:
    case = make_case()
    ref = f"case:{case.pk}"
    assert refs(depts.h1, "cases.handle") == [ref]
    assert refs(depts.head, "cases.handle") == [ref]
    item = todos_for(depts.h1, sources=["cases.handle"]).items[0]
    assert item.url == f"/cases/{case.pk}/" and item.org == "县住房和城乡建设局" and item.due == case.deadline
    # another department, a branch secretary, a member: nothing
    for other in (depts.t1, depts.b1, users.secretary, users.member):
        assert refs(other, "cases.handle") == []
    actions.do_accept_case(case, acting_user=depts.h1)
    assert refs(depts.h1, "cases.handle") == [ref]
    actions.do_reply_case(case, reply="路灯已经修复，谢谢您的反映。", acting_user=depts.h1)
    assert refs(depts.h1, "cases.handle") == []


def test_co_department_sees_the_input_it_owes(users: Any, depts: Any, make_case: Any) -> None:
    case = make_case(co_departments=[depts.transport])
    assert refs(depts.t1, "cases.handle") == [f"case:{case.pk}"]
    assert "input" in todos_for(depts.t1, sources=["cases.handle"]).items[0].title
    actions.do_submit_co_input(case, depts.transport, text="本局已经配合现场核实情况。", acting_user=depts.t1)
    assert refs(depts.t1, "cases.handle") == []


def test_overdue_cases_reach_the_supervisors_in_scope_until_replied(users: Any, depts: Any, make_case: Any,
                                                                    tree: Any, root_user: Any) -> None:
    case = make_overdue(make_case())
    town_b_admin = make_user("town-b-admin", Role.COUNTY_ADMIN, tree.town_b, acting_user=root_user)
    on_time = make_case(title="另一件")
    ref = f"case:{case.pk}"
    assert refs(users.admin, "cases.overdue") == [ref]
    assert refs(depts.supervisor, "cases.overdue") == [ref]
    assert todos_for(users.admin, sources=["cases.overdue"]).items[0].urgent
    for other in (town_b_admin, depts.t1, users.secretary, users.member, users.discipline):
        assert refs(other, "cases.overdue") == []
    assert f"case:{on_time.pk}" not in refs(users.admin, "cases.overdue")
    actions.do_accept_case(case, acting_user=depts.h1)
    actions.do_reply_case(case, reply="路灯已经修复，谢谢您的反映。", acting_user=depts.h1)
    assert refs(users.admin, "cases.overdue") == []


def test_todo_queries_are_bounded(users: Any, depts: Any, make_case: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(12):
        make_overdue(make_case(title=f"案件{i}", source_id=i + 1))
    for user, source in ((depts.h1, "cases.handle"), (users.admin, "cases.overdue")):
        forget_counts(user)
        fresh = type(user).objects.get(pk=user.pk)
        with django_assert_max_num_queries(8):
            todos = todos_for(fresh, limit=5, sources=[source])
        assert len(todos.items) == 5 and todos.total == 12


def test_search_finds_cases_by_number_and_title_in_scope(users: Any, depts: Any, make_case: Any) -> None:
    case = make_case(title="小区雨后积水")
    def hits(user: Any, q: str) -> list[str]:
        return [h.title for g in search_all(user, q) if g["kind"] == "cases" for h in g["items"]]
    assert hits(users.admin, case.number) == [f"{case.number} 小区雨后积水"]
    assert hits(depts.h1, "积水") == [f"{case.number} 小区雨后积水"]
    for other in (depts.t1, users.secretary, users.member, users.nobody):
        assert hits(other, "积水") == []


def test_admin_card_counts_overdue_cases(users: Any, depts: Any, make_case: Any) -> None:
    make_overdue(make_case())
    make_case(title="未超期")
    request = RequestFactory().get("/")
    request.user = users.admin
    cards = workbench_cards(request)
    assert [(c["value"], c["url"]) for c in cards] == [(1, "/cases/?overdue=1")]
    request.user = depts.h1
    assert workbench_cards(request) == []


def test_every_visible_case_entry_opens(users: Any, depts: Any, client: Client) -> None:
    people = [users.admin, users.secretary, users.organizer, users.publicity, users.discipline, users.handler,
              users.member, users.public, users.nobody, depts.h1, depts.head, depts.supervisor, depts.b1]
    seen = set()
    for user in people:
        client.force_login(user)
        for group in navigation(user, badges=False):
            for entry in group["entries"]:
                if entry["key"].startswith(APP_PREFIXES):
                    seen.add(entry["key"])
                    assert client.get(entry["url"]).status_code == 200, (user.username, entry["key"])
    assert {"cases:inbox", "cases:board", "cases:accountability", "cases:departments"} <= seen
    # a handler role without a department sees no case entry (its inbox would answer 403)
    assert not any(e["key"].startswith("cases:") for g in navigation(users.handler, badges=False)
                   for e in g["entries"])


def test_handler_badge_and_bottom_bar(depts: Any, make_case: Any) -> None:
    make_case()
    forget_counts(depts.h1)
    entries = {e["key"]: e for g in navigation(depts.h1) for e in g["entries"]}
    assert entries["cases:inbox"]["badge"] == 1 and entries["cases:inbox"]["primary"] is not None


def test_case_detail_is_noted_as_recent(depts: Any, make_case: Any, client: Client) -> None:
    case = make_case()
    assert client.login(username="housing-1", password=PASSWORD)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert list(RecentItem.objects.filter(user=depts.h1).values_list("path", "kind")) == [(f"/cases/{case.pk}/", "case")]
