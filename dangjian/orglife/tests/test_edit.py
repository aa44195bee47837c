"""Changing a planned activity: what may change, who is told, and what is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dangjian.core.models import AuditEvent, Notification
from dangjian.orglife.actions import do_notify_attendees, do_start_activity, do_update_activity
from dangjian.orglife.tests.conftest import at, plan

pytestmark = pytest.mark.django_db


def test_time_and_place_change_and_notified_attendees_are_told(tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, starts_at=at(2030, 5, 6, 9))
    do_notify_attendees(a, acting_user=users.secretary)
    before = Notification.objects.filter(kind="orglife.planned").count()
    new_start = at(2030, 5, 7, 14, 30)
    a = do_update_activity(a, {"starts_at": new_start, "ends_at": new_start + dt.timedelta(hours=2),
                               "place": "党群服务中心"}, acting_user=users.secretary)
    a.refresh_from_db()
    assert a.starts_at == new_start and a.place == "党群服务中心" and a.kind == "branch_assembly"
    told = Notification.objects.filter(kind="orglife.planned").order_by("-pk")
    assert told.count() - before == 2  # alice and bob have accounts
    latest = told.first()
    assert latest is not None and "14:30" in latest.body
    event = AuditEvent.objects.get(action="orglife.activity_changed", target_id=str(a.pk))
    assert event.after is not None and event.before is not None
    assert event.after["place"] == "党群服务中心" and event.before["place"] == "村委会议室"


def test_topic_change_alone_tells_nobody_and_no_change_writes_nothing(tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, starts_at=at(2030, 5, 6, 9))
    do_notify_attendees(a, acting_user=users.secretary)
    before = Notification.objects.count()
    do_update_activity(a, {"topic": "学习新修订的条例"}, acting_user=users.secretary)
    assert Notification.objects.count() == before
    do_update_activity(a, {"topic": "学习新修订的条例"}, acting_user=users.secretary)
    assert AuditEvent.objects.filter(action="orglife.activity_changed").count() == 1


def test_refusals(tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, starts_at=at(2030, 5, 6, 9))
    with pytest.raises(ValidationError) as exc:
        do_update_activity(a, {"ends_at": at(2030, 5, 6, 8), "place": "", "online_link": ""}, acting_user=users.secretary)
    assert {"ends_at", "place"} <= set(exc.value.message_dict)
    a.refresh_from_db()
    assert a.place == "村委会议室"  # nothing half-written
    with pytest.raises(PermissionDenied):
        do_update_activity(a, {"topic": "别人的会"}, acting_user=users.member)
    started = plan(tree.branch_a1, users.secretary)
    do_start_activity(started, acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_update_activity(started, {"topic": "改题目"}, acting_user=users.secretary)
    assert "status" in exc.value.message_dict


def test_edit_page(client: Any, tree: Any, users: Any, ol: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, starts_at=at(2030, 5, 6, 9))
    url = reverse("orglife:edit", args=[a.pk])
    client.force_login(users.secretary)
    page = client.get(url)
    assert page.status_code == 200 and 'value="2030-05-06T09:00"' in page.content.decode()
    assert url in client.get(reverse("orglife:detail", args=[a.pk])).content.decode()
    response = client.post(url, {"topic": "新题目", "starts_at": "2030-05-06T10:00", "ends_at": "2030-05-06T12:00",
                                 "place": "村委会议室", "online_link": "", "agenda": ""})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.topic == "新题目" and a.starts_at == at(2030, 5, 6, 10)
    bad = client.post(url, {"topic": "新题目", "starts_at": "2030-05-06T10:00", "ends_at": "2030-05-06T09:00",
                            "place": "村委会议室"})
    assert bad.status_code == 200 and "ends_at" in bad.context["form"].errors
    client.force_login(users.member)
    assert client.get(url).status_code in (403, 404)
    client.force_login(ol.carol)  # a member of another branch: the activity does not exist for her
    assert client.get(url).status_code == 404


def test_a_member_who_joined_after_planning_can_be_added(tree: Any, users: Any, root_user: Any) -> None:
    from dangjian.orglife.actions import addable_members, do_add_attendee
    from dangjian.testing.fixtures import make_member

    a = plan(tree.branch_a1, users.secretary, starts_at=at(2030, 5, 6, 9))
    assert addable_members(a) == []
    newcomer = make_member(tree.branch_a1, "新来的", acting_user=root_user)
    assert [m.pk for m, _guest in addable_members(a)] == [newcomer.pk]
    attendee = do_add_attendee(a, newcomer.pk, acting_user=users.secretary)
    assert attendee.has_vote and not attendee.is_floating_guest
    assert AuditEvent.objects.filter(action="orglife.attendee_added", target_id=str(a.pk)).exists()
    with pytest.raises(ValidationError) as exc:  # already on the list
        do_add_attendee(a, newcomer.pk, acting_user=users.secretary)
    assert "member" in exc.value.message_dict
    with pytest.raises(ValidationError):  # not of this branch
        do_add_attendee(a, tree.carol.pk, acting_user=users.secretary)
    with pytest.raises(PermissionDenied):
        do_add_attendee(a, newcomer.pk, acting_user=users.member)


def test_add_attendee_page(client: Any, tree: Any, users: Any, root_user: Any) -> None:
    from dangjian.testing.fixtures import make_member

    a = plan(tree.branch_a1, users.secretary, starts_at=at(2030, 5, 6, 9))
    newcomer = make_member(tree.branch_a1, "新来的", acting_user=root_user)
    client.force_login(users.secretary)
    assert 'id="add-attendee"' in client.get(reverse("orglife:detail", args=[a.pk])).content.decode()
    response = client.post(reverse("orglife:add_attendee", args=[a.pk]), {"member": newcomer.pk})
    assert response.status_code == 302
    assert a.attendees.filter(member=newcomer).exists()
