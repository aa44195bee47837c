"""在职党员到社区报到: an approved registration (a grid service naming the community's grid)
lets the member sign up for the community's volunteer tasks; the grid workers publish tasks and
confirm who took part, which is announced as verified activity (core.hooks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from dangjian.core.hooks import register_activity_listener, unregister_activity_listener
from dangjian.core.roles import Role
from dangjian.services import Anchor, Audience
from dangjian.services.actions import (
    do_confirm_volunteering,
    do_create_volunteer_task,
    do_save_matter,
    do_sign_step,
    do_sign_up_volunteer,
    do_submit_application,
)
from dangjian.services.selectors import volunteer_tasks_for
from dangjian.services.tests.conftest import set_today
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db


def test_registered_members_sign_up_and_the_community_confirms(monkeypatch: Any, tree: Any, users: Any,
                                                                grid_service: Any, root_user: Any) -> None:
    with pytest.raises(ValidationError) as exc:  # registering needs the grid
        do_save_matter(tree.county, {"title": "报到", "audience": Audience.MEMBERS, "community_registration": True},
                       [{"name": "社区确认", "anchor": Anchor.OWN, "time_limit_days": 3}],
                       fields=[{"key": "x", "label": "X", "type": "text"}], acting_user=users.admin)
    assert "community_registration" in exc.value.message_dict
    register = do_save_matter(tree.county, {"title": "在职党员到社区报到", "audience": Audience.MEMBERS,
                                            "time_limit_days": 5, "active": True, "grid_service": True,
                                            "community_registration": True},
                              [{"name": "社区确认", "anchor": Anchor.OWN, "time_limit_days": 3}],
                              fields=[{"key": "service", "label": "志愿服务意向", "type": "text"}],
                              acting_user=users.admin)
    today = timezone.localdate()  # the task list shows coming tasks: dates relative to today
    day = today + dt.timedelta(days=5)
    task = do_create_volunteer_task(grid_service.grid, {"title": "垃圾分类宣传", "day": day.isoformat(), "places": "1"},
                                    acting_user=grid_service.worker)
    with pytest.raises(ValidationError) as exc:
        do_create_volunteer_task(grid_service.grid, {"title": "", "day": (today - dt.timedelta(days=1)).isoformat(),
                                                     "places": "0"},
                                 acting_user=grid_service.worker)
    assert set(exc.value.message_dict) == {"title", "day", "places"}
    with pytest.raises(PermissionDenied):  # a branch secretary elsewhere publishes nothing here
        do_create_volunteer_task(grid_service.grid, {"title": "x", "day": day.isoformat(), "places": "1"},
                                 acting_user=users.secretary)
    assert list(volunteer_tasks_for(users.member)) == []
    with pytest.raises(PermissionDenied):
        do_sign_up_volunteer(task, acting_user=users.member)  # not registered yet
    app = do_submit_application(register, {"service": "政策宣传"}, organization=grid_service.grid.pk,
                                acting_user=users.member)
    do_sign_step(app, "approve", acting_user=grid_service.worker)
    assert list(volunteer_tasks_for(users.member)) == [task]
    do_sign_up_volunteer(task, acting_user=users.member)
    with pytest.raises(ValidationError):
        do_sign_up_volunteer(task, acting_user=users.member)  # once
    bob = make_user("bob", Role.MEMBER, tree.branch_a1, acting_user=root_user)
    with pytest.raises(PermissionDenied):
        do_sign_up_volunteer(task, acting_user=bob)
    with pytest.raises(ValidationError) as exc:  # before the day
        do_confirm_volunteering(task, [users.member.pk], acting_user=grid_service.worker)
    assert "task" in exc.value.message_dict
    seen: list[dict[str, Any]] = []

    def listener(events: list[dict[str, Any]]) -> None:
        seen.extend(events)

    register_activity_listener(listener)
    try:
        set_today(monkeypatch, day)
        with pytest.raises(PermissionDenied):
            do_confirm_volunteering(task, [users.member.pk], acting_user=users.secretary)
        assert do_confirm_volunteering(task, [users.member.pk, bob.pk], acting_user=grid_service.worker) == 1
    finally:
        unregister_activity_listener(listener)
    assert [(e["kind"], e["user_id"], e["day"], e["key"]) for e in seen] == [
        ("volunteering", users.member.pk, day, f"services.volunteer:{task.pk}")]
    assert task.signups.get().done


def test_the_volunteer_pages(tree: Any, users: Any, grid_service: Any) -> None:
    client = Client()
    client.force_login(grid_service.worker)
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    page = client.post("/services/volunteer/", {"org": grid_service.grid.pk, "title": "", "day": day, "places": "5"})
    assert 'id="error-title"' in page.content.decode() and page.status_code == 200  # the title is named
    page = client.post("/services/volunteer/", {"org": grid_service.grid.pk, "title": "敬老院探访", "day": day,
                                                "places": "5"}, follow=True)
    assert "敬老院探访" in page.content.decode()
    client.force_login(users.member)
    assert "敬老院探访" not in client.get("/services/volunteer/").content.decode()  # not registered


def test_volunteer_to_dos(tree: Any, users: Any, grid_service: Any) -> None:
    """A registered member is asked to sign up for their community's coming tasks; the grid's
    worker, once the day has come, to confirm who took part — not every approver above."""
    from dangjian.core.todos import forget_counts, todos_for

    def refs(user: Any, source: str) -> list[str]:
        forget_counts(user)
        return [t.ref for t in todos_for(user, sources=[source]).items]

    register = do_save_matter(tree.county, {"title": "在职党员到社区报到", "audience": Audience.MEMBERS,
                                            "time_limit_days": 5, "active": True, "grid_service": True,
                                            "community_registration": True},
                              [{"name": "社区确认", "anchor": Anchor.OWN, "time_limit_days": 3}],
                              fields=[{"key": "service", "label": "志愿服务意向", "type": "text"}],
                              acting_user=users.admin)
    today = timezone.localdate()
    coming = do_create_volunteer_task(grid_service.grid, {"title": "社区义诊", "places": "3",
                                                          "day": (today + dt.timedelta(days=2)).isoformat()},
                                      acting_user=grid_service.worker)
    now = do_create_volunteer_task(grid_service.grid, {"title": "今日清扫", "places": "3", "day": today.isoformat()},
                                   acting_user=grid_service.worker)
    assert refs(users.member, "services.volunteer") == []  # not registered
    app = do_submit_application(register, {"service": "环境整治"}, organization=grid_service.grid.pk,
                                acting_user=users.member)
    do_sign_step(app, "approve", acting_user=grid_service.worker)
    assert refs(users.member, "services.volunteer") == [f"service-volunteer:{now.pk}", f"service-volunteer:{coming.pk}"]
    do_sign_up_volunteer(now, acting_user=users.member)
    assert refs(users.member, "services.volunteer") == [f"service-volunteer:{coming.pk}"]
    assert refs(grid_service.worker, "services.volunteer_confirm") == [f"service-volunteer-confirm:{now.pk}"]
    assert refs(users.admin, "services.volunteer_confirm") == []  # the county is not asked about every community
    assert do_confirm_volunteering(now, [users.member.pk], acting_user=grid_service.worker) == 1
    assert refs(grid_service.worker, "services.volunteer_confirm") == []
