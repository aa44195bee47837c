"""Organizational life on the workbench (issue 14): navigation entries, to-dos, the figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from dangjian.core.todos import forget_counts, todos_for
from dangjian.orglife.actions import do_close_activity, do_start_activity
from dangjian.orglife.compliance import kind_windows, period_window
from dangjian.orglife.tests.conftest import plan
from dangjian.orglife.todos import due_meeting_count, due_meetings, workbench_cards
from dangjian.testing.fixtures import make_user
from dangjian.testing.navigation import entries_of, open_visible_entries

CLOSE = {"minutes": "会议学习了党章。", "chair": "张书记", "minute_taker": "李委员"}


@pytest.fixture
def other_secretary(tree: Any, root_user: Any) -> Any:
    return make_user("secretary-b1", "secretary", tree.branch_b1, acting_user=root_user)


def _refs(user: Any, source: str) -> set[str]:
    forget_counts(user)
    return {t.ref for t in todos_for(user, sources=[source]).items}


def _orglife_entries(user: Any) -> list[dict[str, Any]]:
    return list(entries_of(user, lambda key: key.startswith("orglife:")).values())


@pytest.mark.django_db
def test_every_visible_entry_opens(client: Any, tree: Any, users: Any) -> None:
    seen = set(open_visible_entries(client, users, lambda key: key.startswith("orglife:")))
    assert {"orglife:list", "orglife:plan", "orglife:compliance", "orglife:committee", "orglife:mine"} <= seen
    keys = {e["key"] for e in _orglife_entries(users.secretary)}
    assert "orglife:committee" in keys and "orglife:committee" not in {e["key"] for e in _orglife_entries(users.admin)}
    assert {e["key"] for e in _orglife_entries(users.member)} == {"orglife:mine"}


def _due_kinds(user: Any, org: Any) -> set[str]:
    return {r.split(":")[2] for r in _refs(user, "orglife.due") if r.split(":")[1] == str(org.pk)}


@pytest.mark.django_db
def test_meetings_due_this_period(tree: Any, users: Any, other_secretary: Any) -> None:
    # branch_a1 has 2 members (no committee meeting required) and no party groups.
    due = _due_kinds(users.secretary, tree.branch_a1)
    assert {"branch_assembly", "party_lecture", "theme_day", "life_meeting", "member_review"} <= due
    assert "committee_meeting" not in due and "group_meeting" not in due
    assert _due_kinds(users.admin, tree.branch_a1) == due
    assert _due_kinds(other_secretary, tree.branch_a1) == set()
    assert _refs(users.member, "orglife.due") == set()
    item = next(t for t in due_meetings(users.secretary, 50) if t.ref.split(":")[2] == "theme_day")
    assert item.due == period_window("month", timezone.localdate()).last_day
    assert item.url == f"{reverse('orglife:plan')}?org={tree.branch_a1.pk}&kind=theme_day"
    before = due_meeting_count(users.secretary)
    assert before == len(due_meetings(users.secretary, 50))
    # Holding and recording the theme day clears its item, and only it.
    a = plan(tree.branch_a1, users.secretary, kind="theme_day", starts_at=timezone.now() - dt.timedelta(minutes=5))
    assert "theme_day" in _due_kinds(users.secretary, tree.branch_a1)  # planned is not held
    do_start_activity(a, acting_user=users.secretary)
    do_close_activity(a, CLOSE, acting_user=users.secretary)
    after = _due_kinds(users.secretary, tree.branch_a1)
    assert "theme_day" not in after and "branch_assembly" in after
    assert due_meeting_count(users.secretary) == before - 1


@pytest.mark.django_db
def test_records_to_complete(tree: Any, users: Any, other_secretary: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, kind="branch_assembly",
             starts_at=timezone.now() - dt.timedelta(hours=5), hours=1)
    ref = f"orglife.record:{a.pk}"
    assert ref in _refs(users.secretary, "orglife.records")
    assert ref in _refs(users.admin, "orglife.records")
    assert ref not in _refs(other_secretary, "orglife.records")
    assert _refs(users.member, "orglife.records") == set()
    item = next(t for t in todos_for(users.secretary, sources=["orglife.records"]).items if t.ref == ref)
    assert item.url == reverse("orglife:detail", args=[a.pk]) and item.due is not None
    do_start_activity(a, acting_user=users.secretary)
    assert ref in _refs(users.secretary, "orglife.records")  # started, not recorded
    do_close_activity(a, CLOSE, acting_user=users.secretary)
    assert ref not in _refs(users.secretary, "orglife.records")


@pytest.mark.django_db
def test_a_future_activity_is_no_record_to_complete(tree: Any, users: Any) -> None:
    plan(tree.branch_a1, users.secretary, starts_at=timezone.now() + dt.timedelta(days=2))
    assert _refs(users.secretary, "orglife.records") == set()


@pytest.mark.django_db
def test_compliance_card(tree: Any, users: Any, django_assert_max_num_queries: Any) -> None:
    request = RequestFactory().get("/")
    request.user = users.admin
    users.admin.role_assignments.all()  # noqa: B018
    with django_assert_max_num_queries(3):
        cards = list(workbench_cards(request))
    assert len(cards) == 1 and cards[0]["url"] == reverse("orglife:compliance")
    assert cards[0]["value"].startswith("0 %")  # no branch held anything last period
    request.user = users.member
    assert list(workbench_cards(request)) == []


@pytest.mark.django_db
def test_todo_queries_are_bounded(tree: Any, users: Any, root_user: Any, django_assert_max_num_queries: Any) -> None:
    from dangjian.orgs.actions import do_create_organization

    for i in range(8):
        do_create_organization(tree.town_a, {"name": f"第{i}支部", "kind": "branch"}, acting_user=root_user)
    for i in range(3):
        plan(tree.branch_a1, users.secretary, starts_at=timezone.now() - dt.timedelta(hours=5 + i), hours=1)
    todos_for(users.admin)  # warm the caches (roles, calendar)
    forget_counts(users.admin)
    with django_assert_max_num_queries(12):
        listed = todos_for(users.admin, sources=["orglife.due", "orglife.records"])
    assert listed.counts["orglife.records"] == 3 and listed.counts["orglife.due"] >= 10 * 5


def test_period_windows() -> None:
    w = period_window("quarter", dt.date(2026, 5, 10))
    assert (w.index, w.start.date(), w.last_day) == (2, dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    w = period_window("month", dt.date(2026, 1, 10), previous=True)
    assert (w.start.date(), w.last_day) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    w = period_window("quarter", dt.date(2026, 2, 1), previous=True)
    assert (w.start.date(), w.last_day) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert period_window("year", dt.date(2026, 2, 1)).last_day == dt.date(2026, 12, 31)
    assert set(kind_windows(dt.date(2026, 2, 1))) >= {"branch_assembly", "theme_day"}


@pytest.mark.django_db
def test_detail_is_noted_and_plan_takes_the_kind(client: Any, tree: Any, users: Any) -> None:
    from dangjian.core.workbench import recent_items

    a = plan(tree.branch_a1, users.secretary, topic="七一主题党日")
    client.force_login(users.secretary)
    assert client.get(reverse("orglife:detail", args=[a.pk])).status_code == 200
    assert [(r.title, r.path) for r in recent_items(users.secretary)] == [
        ("七一主题党日", reverse("orglife:detail", args=[a.pk]))]
    page = client.get(f"{reverse('orglife:plan')}?org={tree.branch_a1.pk}&kind=theme_day").content.decode()
    assert 'value="theme_day" selected' in page
