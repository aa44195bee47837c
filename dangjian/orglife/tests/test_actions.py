from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangjian.core.models import AuditEvent, Notification
from dangjian.orglife import ActivityStatus, CheckinMethod, LeaveStatus
from dangjian.orglife.actions import (
    do_add_resolution,
    do_ask_leave,
    do_cancel_activity,
    do_cast_vote,
    do_check_in_member,
    do_close_activity,
    do_decide_leave,
    do_join_remote,
    do_notify_attendees,
    do_start_activity,
)
from dangjian.orglife.models import Attendee
from dangjian.orglife.selectors import (
    quorum,
    register_floating_guest_provider,
    tally,
    unregister_floating_guest_provider,
)
from dangjian.orglife.tests.conftest import plan
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db

CLOSE = {"minutes": "会议学习了党章。", "chair": "张书记", "minute_taker": "李委员"}


def _att(activity: Any, member: Any) -> Attendee:
    return Attendee.objects.get(activity=activity, member=member)


def test_plan_computes_attendees_and_voting_rights(tree: Any, users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary)
    rows = {r.member_id: r for r in a.attendees.all()}
    assert set(rows) == {tree.alice.pk, tree.bob.pk}
    assert rows[tree.alice.pk].has_vote and rows[tree.alice.pk].is_full
    assert not rows[tree.bob.pk].has_vote  # probationary: takes part, no vote
    assert a.org_path == tree.branch_a1.path and a.status == ActivityStatus.PLANNED
    assert AuditEvent.objects.filter(action="orglife.activity_planned", target_id=str(a.pk)).exists()


def test_floating_members_join_as_guests_without_vote(tree: Any, users: Any) -> None:
    def hosted(branch: Any) -> list:
        return [tree.carol] if branch.pk == tree.branch_a1.pk else []

    register_floating_guest_provider(hosted)
    try:
        a = plan(tree.branch_a1, users.secretary)
    finally:
        unregister_floating_guest_provider(hosted)
    guest = _att(a, tree.carol)
    assert guest.is_floating_guest and not guest.has_vote
    assert quorum(a)["entitled"] == 1  # only alice votes


def test_plan_refuses_out_of_scope_and_bad_input(tree: Any, users: Any) -> None:
    with pytest.raises(PermissionDenied):
        plan(tree.branch_a2, users.secretary)  # the secretary's role is on branch_a1 only
    with pytest.raises(PermissionDenied):
        plan(tree.branch_a1, users.member)
    start = timezone.now()
    with pytest.raises(ValidationError) as exc:
        plan(tree.branch_a1, users.secretary, starts_at=start, hours=-1, place="", topic="x")
    assert {"ends_at", "place", "topic"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        plan(tree.town_a, users.organizer)
    assert "organization" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        plan(tree.branch_a1, users.secretary, online_link="javascript:alert(1)")
    assert "online_link" in exc.value.message_dict


def test_committee_meeting_needs_picked_members_of_the_branch(tree: Any, users: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        plan(tree.branch_a1, users.secretary, kind="committee_meeting")
    assert "attendees" in exc.value.message_dict
    with pytest.raises(ValidationError):
        plan(tree.branch_a1, users.secretary, kind="committee_meeting", attendee_ids=[tree.carol.pk])
    a = plan(tree.branch_a1, users.secretary, kind="committee_meeting", attendee_ids=[tree.alice.pk])
    assert list(a.attendees.values_list("member_id", flat=True)) == [tree.alice.pk]


def test_group_meeting_needs_a_group_of_the_branch(tree: Any, users: Any) -> None:
    from dangjian.orgs.models import PartyGroup

    with pytest.raises(ValidationError) as exc:
        plan(tree.branch_a1, users.secretary, kind="group_meeting")
    assert "party_group" in exc.value.message_dict
    other = PartyGroup.objects.create(branch=tree.branch_a2, name="二组")
    with pytest.raises(ValidationError):
        plan(tree.branch_a1, users.secretary, kind="group_meeting", party_group=other.pk)
    group = PartyGroup.objects.create(branch=tree.branch_a1, name="一组")
    tree.alice.party_group = group
    tree.alice.save()
    a = plan(tree.branch_a1, users.secretary, kind="group_meeting", party_group=group.pk)
    assert list(a.attendees.values_list("member_id", flat=True)) == [tree.alice.pk]


def test_notify_reaches_attendees_with_accounts(tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary)
    assert do_notify_attendees(a, acting_user=users.secretary) == 2
    assert set(Notification.objects.filter(kind="orglife.planned").values_list("recipient_id", flat=True)) == {
        ol.alice.pk, ol.bob.pk}


def test_leave_asked_and_decided(tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary)
    with pytest.raises(ValidationError):
        do_ask_leave(a, "", acting_user=ol.alice)
    with pytest.raises(PermissionDenied):
        do_ask_leave(a, "出差", acting_user=ol.carol)  # not an attendee
    att = do_ask_leave(a, "出差在外", acting_user=ol.alice)
    assert att.leave_status == LeaveStatus.PENDING
    assert Notification.objects.filter(kind="orglife.leave", recipient=users.secretary).exists()
    with pytest.raises(PermissionDenied):
        do_decide_leave(att, approve=True, acting_user=ol.bob)
    att = do_decide_leave(att, approve=True, acting_user=users.secretary)
    assert att.leave_status == LeaveStatus.APPROVED and att.leave_decided_by == users.secretary
    with pytest.raises(ValidationError):
        do_decide_leave(att, approve=False, acting_user=users.secretary)  # nothing pending
    with pytest.raises(ValidationError):
        do_ask_leave(a, "再次请假", acting_user=ol.alice)


def test_transitions_are_enforced(tree: Any, users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary)
    with pytest.raises(ValidationError):
        do_close_activity(a, CLOSE, acting_user=users.secretary)  # planned → closed is not allowed
    do_start_activity(a, acting_user=users.secretary)
    with pytest.raises(ValidationError):
        do_start_activity(a, acting_user=users.secretary)
    do_close_activity(a, CLOSE, acting_user=users.secretary)
    with pytest.raises(ValidationError):
        do_cancel_activity(a, "天气原因", acting_user=users.secretary)
    b = plan(tree.branch_a1, users.secretary)
    with pytest.raises(ValidationError):
        do_cancel_activity(b, "", acting_user=users.secretary)
    b = do_cancel_activity(b, "天气原因", acting_user=users.secretary)
    assert b.status == ActivityStatus.CANCELLED


def test_close_freezes_the_ledger_line_and_sanitises_minutes(tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary)
    do_ask_leave(a, "住院", acting_user=ol.bob)
    do_decide_leave(_att(a, tree.bob), approve=True, acting_user=users.secretary)
    do_start_activity(a, acting_user=users.secretary)
    do_check_in_member(_att(a, tree.alice), acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_close_activity(a, {"minutes": "", "chair": "", "minute_taker": ""}, acting_user=users.secretary)
    assert {"minutes", "chair", "minute_taker"} <= set(exc.value.message_dict)
    a = do_close_activity(a, {**CLOSE, "minutes": "<p onclick='x()'>学习<script>alert(1)</script><b>党章</b></p>"},
                          acting_user=users.secretary)
    assert a.status == ActivityStatus.CLOSED
    assert a.minutes == "<p>学习<b>党章</b></p>"
    assert (a.expected_count, a.present_full, a.present_probationary, a.leave_count, a.absent_count) == (2, 1, 0, 1, 1)
    assert _att(a, tree.bob).absence_reason.endswith("住院")
    with pytest.raises(ValidationError):
        do_check_in_member(_att(a, tree.bob), acting_user=users.secretary)  # closed: attendance frozen


def test_secretary_check_in_is_idempotent(tree: Any, users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary)
    first = do_check_in_member(_att(a, tree.alice), acting_user=users.secretary)
    again = do_check_in_member(_att(a, tree.alice), acting_user=users.secretary)
    assert first.checked_in_at == again.checked_in_at and again.checkin_method == CheckinMethod.SECRETARY
    assert AuditEvent.objects.filter(action="orglife.checked_in").count() == 1


def test_sign_in_opens_two_hours_before(tree: Any, users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, starts_at=timezone.now() + dt.timedelta(hours=3))
    with pytest.raises(ValidationError):
        do_check_in_member(_att(a, tree.alice), acting_user=users.secretary)


def test_remote_join_records_presence_for_online_activities(tree: Any, users: Any, ol: Any) -> None:
    offline = plan(tree.branch_a1, users.secretary)
    with pytest.raises(ValidationError):
        do_join_remote(offline, acting_user=ol.alice)
    a = plan(tree.branch_a1, users.secretary, online_link="https://meeting.example.cn/j/1")
    att = do_join_remote(a, acting_user=ol.alice)
    assert att.present and att.checkin_method == CheckinMethod.REMOTE
    with pytest.raises(PermissionDenied):
        do_join_remote(a, acting_user=ol.carol)


def test_quorum_is_more_than_half_of_voting_members(tree: Any, users: Any, root_user: Any) -> None:
    for name in ("甲", "乙", "丙"):
        make_member(tree.branch_a1, name, acting_user=root_user)
    a = plan(tree.branch_a1, users.secretary)  # alice + 3 new full members vote; bob does not
    q = quorum(a)
    assert (q["entitled"], q["needed"], q["reached"]) == (4, 3, False)
    rows = list(a.attendees.filter(has_vote=True).order_by("pk"))
    for r in rows[:2]:
        do_check_in_member(r, acting_user=users.secretary)
    do_check_in_member(_att(a, tree.bob), acting_user=users.secretary)  # no vote: does not count
    assert not quorum(a)["reached"]  # exactly half is not more than half
    do_check_in_member(rows[2], acting_user=users.secretary)
    assert quorum(a)["reached"]


def test_votes_only_by_present_voting_members_and_pass_rule(tree: Any, users: Any, ol: Any, root_user: Any) -> None:
    make_member(tree.branch_a1, "丁", acting_user=root_user)  # a third voter
    a = plan(tree.branch_a1, users.secretary)
    r = do_add_resolution(a, {"title": "发展张三为预备党员"}, acting_user=users.secretary)
    with pytest.raises(ValidationError):
        do_cast_vote(r, "yes", acting_user=ol.alice)  # not in progress
    do_start_activity(a, acting_user=users.secretary)
    with pytest.raises(ValidationError):
        do_cast_vote(r, "yes", acting_user=ol.alice)  # not signed in
    do_check_in_member(_att(a, tree.alice), acting_user=users.secretary)
    do_check_in_member(_att(a, tree.bob), acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_cast_vote(r, "yes", acting_user=ol.bob)  # probationary: no vote
    assert "choice" in exc.value.message_dict
    with pytest.raises(ValidationError):
        do_cast_vote(r, "maybe", acting_user=ol.alice)
    do_cast_vote(r, "yes", acting_user=ol.alice)
    with pytest.raises(ValidationError):
        do_cast_vote(r, "no", acting_user=ol.alice)  # once
    t = tally(r)
    assert (t["yes"], t["entitled"], t["passes"]) == (1, 2, False)  # 1 of 2 is not more than half
    do_close_activity(a, CLOSE, acting_user=users.secretary)
    r.refresh_from_db()
    assert r.passed is False and r.yes == 1 and r.entitled == 2


def test_batch_sign_in_by_the_secretary(tree: Any, users: Any, client: Any) -> None:
    from django.urls import reverse

    from dangjian.orglife.actions import do_check_in_members
    from dangjian.testing.fixtures import PASSWORD

    a = plan(tree.branch_a1, users.secretary)
    other = plan(tree.branch_a2, users.organizer)
    with pytest.raises(ValidationError):
        do_check_in_members(a, [], acting_user=users.secretary)
    with pytest.raises(ValidationError):  # an attendee of another activity
        do_check_in_members(a, [other.attendees.get().pk], acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_check_in_members(other, [other.attendees.get().pk], acting_user=users.secretary)
    alice, bob = _att(a, tree.alice), _att(a, tree.bob)
    do_check_in_member(alice, acting_user=users.secretary)
    assert do_check_in_members(a, [alice.pk, bob.pk], acting_user=users.secretary) == 1  # alice already in
    assert AuditEvent.objects.filter(action="orglife.checked_in_batch").count() == 1
    b = plan(tree.branch_a1, users.secretary)
    assert client.login(username=users.secretary.username, password=PASSWORD)
    html = client.get(reverse("orglife:detail", args=[b.pk])).content.decode()
    assert 'form="batch-signin"' in html
    client.post(reverse("orglife:checkin_batch", args=[b.pk]), {"attendees": [str(r.pk) for r in b.attendees.all()]})
    assert b.attendees.filter(checked_in_at__isnull=False).count() == 2
