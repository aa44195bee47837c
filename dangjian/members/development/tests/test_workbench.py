"""Development on the workbench: steps due as to-dos, the "late" figure, the recent file."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import RequestFactory

from dangjian.core.roles import Role
from dangjian.core.todos import forget_counts, todos_for
from dangjian.core.workbench import recent_items
from dangjian.members.development import rules
from dangjian.members.development.actions import do_record_step
from dangjian.members.development.tests.helpers import create, step_input
from dangjian.members.development.todos import count, workbench_cards
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db
APPLIED = dt.date(2025, 1, 31)


def _refs(user: Any) -> list[str]:
    forget_counts(user)
    return [t.ref for t in todos_for(user, sources=["development.due"]).items]


def test_a_step_due_is_a_todo_in_scope_until_it_is_recorded(tree: Any, users: Any, root_user: Any, clock: Any) -> None:
    other = make_user("secretary-b1", Role.SECRETARY, tree.branch_b1, acting_user=root_user)
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED)
    due = rules.talk_due(APPLIED)
    ref = f"development:{f.pk}"
    clock.set(due - dt.timedelta(days=rules.config("REMIND_DAYS_BEFORE") + 1))
    assert _refs(users.secretary) == []  # not yet in the reminder window
    clock.set(due - dt.timedelta(days=1))
    [item] = todos_for(users.secretary, sources=["development.due"]).items
    assert item.ref == ref and item.due == due and not item.urgent
    assert item.url == f"/development/{f.pk}/" and item.org == tree.branch_a1.name and "钱小红" in item.title
    # those who manage the branch (the organizer and the county above it) too; not another branch, not a member
    assert _refs(users.organizer) == [ref] and _refs(users.admin) == [ref]
    for user in (other, users.member, users.discipline, users.publicity):
        assert _refs(user) == []
    clock.set(due + dt.timedelta(days=2))
    [late] = todos_for(users.secretary, sources=["development.due"]).items
    assert late.urgent
    do_record_step(f, 2, step_input(f, 2, clock.today, tree, late_reason="申请人外出务工"), acting_user=users.secretary)
    f.refresh_from_db()
    assert f.next_due_on is None or f.next_due_on > clock.today + dt.timedelta(days=rules.config("REMIND_DAYS_BEFORE"))
    assert _refs(users.secretary) == [] and count(users.admin) == 0


def test_late_files_card_links_to_the_late_list(tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    create(tree, users.secretary, APPLIED)
    clock.set(rules.talk_due(APPLIED) + dt.timedelta(days=1))
    request = RequestFactory().get("/")
    request.user = users.admin
    [card] = workbench_cards(request)
    assert card["value"] == 1 and card["url"] == "/development/?overdue=1"
    request.user = users.member
    assert list(workbench_cards(request)) == []


def test_count_is_one_query(tree: Any, users: Any, clock: Any, django_assert_max_num_queries: Any) -> None:
    count(users.secretary)
    with django_assert_max_num_queries(1):
        count(users.secretary)


def test_the_file_page_is_a_recent_item(client: Any, tree: Any, users: Any, clock: Any) -> None:
    clock.set(APPLIED)
    f = create(tree, users.secretary, APPLIED)
    client.force_login(users.secretary)
    assert client.get(f"/development/{f.pk}/").status_code == 200
    assert [(r.path, r.kind) for r in recent_items(users.secretary)] == [(f"/development/{f.pk}/", "development")]
