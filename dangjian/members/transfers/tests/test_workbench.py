"""Transfers on the workbench: the "to approve" to-do, the approver's notice read after the
decision, the tabs, the step and type labels."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from dangjian.core.models import Notification
from dangjian.core.todos import forget_counts, todos_for
from dangjian.members.transfers import HopState
from dangjian.members.transfers.actions import do_approve_hop, do_return_hop, do_start_transfer
from dangjian.members.transfers.tests.helpers import hop, start_data
from dangjian.members.transfers.todos import pending_hops

pytestmark = pytest.mark.django_db


def _refs(user: Any) -> list[str]:
    forget_counts(user)
    return [t.ref for t in todos_for(user, sources=["transfers.approve"]).items]


def test_the_step_is_a_todo_of_its_own_organization_only_until_it_is_decided(tree: Any, users: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    ref = f"transfer:{t.pk}"
    [item] = todos_for(users.secretary, sources=["transfers.approve"]).items
    assert item.ref == ref and item.url == f"/transfers/{t.pk}/" and item.org == tree.branch_a1.name
    assert item.due == hop(t, 0).due_on and item.source == "transfers.approve"
    # the branch decides its own step: not the county above it, not a member, not other roles
    for other in (users.admin, users.member, users.organizer, users.discipline, users.nobody):
        assert _refs(other) == []
    do_approve_hop(hop(t, 0), acting_user=users.secretary)
    assert _refs(users.secretary) == []
    # town_a has no approver of its own (only an organizer): the county decides, as it is notified
    assert _refs(users.admin) == [ref]
    do_return_hop(hop(t, 1), acting_user=users.admin, reason="材料不全")
    assert _refs(users.admin) == []


def test_another_branch_secretary_never_sees_it(tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    ref = f"transfer:{t.pk}"
    for other in (approvers.branch_a2, approvers.branch_b1, approvers.town_b, approvers.town_a, users.admin):
        assert _refs(other) == []
    do_approve_hop(hop(t, 0), acting_user=users.secretary)
    # now the town committee has its own secretary: the step is theirs, not the county's
    assert _refs(approvers.town_a) == [ref]
    assert _refs(users.admin) == [] and _refs(approvers.county) == []
    assert _refs(approvers.branch_b1) == []


def test_count_is_one_query_and_items_bounded(tree: Any, users: Any, django_assert_max_num_queries: Any) -> None:
    from dangjian.members.transfers import todos

    for m in (tree.alice, tree.bob):
        do_start_transfer(m, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    todos.count(users.secretary)  # role assignments loaded once per request
    with django_assert_max_num_queries(1):
        assert todos.count(users.secretary) == 2
    with django_assert_max_num_queries(1):
        assert len(todos.items(users.secretary, 1)) == 1
    assert pending_hops(users.member).count() == 0


def test_the_approvers_notice_is_read_once_they_decide(tree: Any, users: Any,
                                                       django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    notice = Notification.objects.get(recipient=users.secretary, kind="transfers.hop")
    assert notice.read_at is None and notice.url == f"/transfers/{t.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        do_approve_hop(hop(t, 0), acting_user=users.secretary)
    notice.refresh_from_db()
    assert notice.read_at is not None
    # the next approver (the county, town_a having none) got theirs, unread until they decide
    county_notice = Notification.objects.get(recipient=users.admin, kind="transfers.hop")
    assert county_notice.read_at is None
    do_return_hop(hop(t, 1), acting_user=users.admin, reason="材料不全")
    county_notice.refresh_from_db()
    assert county_notice.read_at is not None


def test_the_tabs_are_styled_and_the_labels_say_what_they_are(client: Any, tree: Any, users: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    client.force_login(users.secretary)
    page = client.get("/transfers/").content.decode()
    assert '<ul class="todo-tabs">' in page
    with translation.override("zh-hans"):
        assert str(HopState.PENDING.label) == "待审批"
        detail = client.get(f"/transfers/{t.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "待发送" not in detail and "组织类别" not in detail
    assert "转接类型" in detail and "待审批" in detail and "尚未送达" in detail
