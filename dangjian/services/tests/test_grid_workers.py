"""Grid workers (网格员, S18): appointed to a grid branch by whoever manages service matters above
it, they sign the grid's requests first (joining those already waiting), see every open request
of their grid on a phone page, and run the grid's volunteer tasks. A grid with open requests and
nobody to sign them is a to-do for its managers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from dangjian.core.audit import AuditEvent
from dangjian.core.navigation import navigation
from dangjian.core.todos import forget_counts, todos_for
from dangjian.orgs.actions import do_create_organization
from dangjian.services import State
from dangjian.services.actions import (
    do_appoint_grid_worker,
    do_confirm_volunteering,
    do_create_volunteer_task,
    do_remove_grid_worker,
    do_request_supplement,
    do_sign_step,
    do_submit_application,
    escalate_overdue,
)
from dangjian.services.models import GridWorker, Step, StepApprover
from dangjian.services.selectors import access_application, applications_for, grid_requests, grids_worked_by, inbox_for
from dangjian.services.tests.conftest import set_today
from dangjian.testing.fixtures import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_grid(tree: Any, root_user: Any) -> Any:
    """A building grid under town B with nobody on it."""
    return do_create_organization(tree.town_b, {"name": "阳光大厦楼宇网格党支部", "kind": "grid_branch",
                                                "grid_type": "building"}, acting_user=root_user)


@pytest.fixture
def li(root_user: Any) -> Any:
    """An account with no role at all: what makes it a grid worker is the appointment."""
    return make_user("grid-li", None, None, acting_user=root_user)


def nav_keys(user: Any) -> set[str]:
    return {e["key"] for g in navigation(user, badges=False) for e in g["entries"]}


def test_appointing_checks_the_grid_the_account_and_the_manager(tree: Any, users: Any, grid_service: Any,
                                                                 li: Any, root_user: Any) -> None:
    with pytest.raises(ValidationError) as exc:  # a town is no grid
        do_appoint_grid_worker(tree.town_b, li, acting_user=users.admin)
    assert set(exc.value.message_dict) == {"grid"}
    with pytest.raises(ValidationError) as exc:
        do_appoint_grid_worker(grid_service.grid, None, acting_user=users.admin)
    assert set(exc.value.message_dict) == {"user"}
    gone = make_user("gone", None, None, acting_user=root_user)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        do_appoint_grid_worker(grid_service.grid, gone, acting_user=users.admin)
    for outsider in (users.organizer, users.secretary, li):  # town A's staff and the worker manage no grid of town B
        with pytest.raises(PermissionDenied):
            do_appoint_grid_worker(grid_service.grid, li, acting_user=outsider)
    assert not GridWorker.objects.exists()
    do_appoint_grid_worker(grid_service.grid, li, acting_user=grid_service.town_b)
    with pytest.raises(ValidationError) as exc:
        do_appoint_grid_worker(grid_service.grid, li, acting_user=users.admin)
    assert "user" in exc.value.message_dict
    assert GridWorker.objects.get().user_id == li.pk
    assert AuditEvent.objects.filter(action="service_grid_worker.appointed").count() == 1


def test_a_grid_worker_signs_the_grids_requests_and_sees_every_open_one(monkeypatch: Any, tree: Any, users: Any,
                                                                        grid_service: Any, second_grid: Any,
                                                                        li: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 11, 2))
    waiting = do_submit_application(grid_service.matter, {"what": "井盖松动"}, organization=grid_service.grid.pk,
                                    acting_user=users.public)
    elsewhere = do_submit_application(grid_service.matter, {"what": "电梯故障"}, organization=second_grid.pk,
                                      acting_user=users.public)
    assert list(inbox_for(li)) == [] and grids_worked_by(li) == []
    do_appoint_grid_worker(grid_service.grid, li, acting_user=users.admin)
    assert [s.application_id for s in inbox_for(li)] == [waiting.pk]  # joined the step already waiting
    # Unresolved, it climbs to the town; the grid worker keeps their place and sees it on the grid page.
    assert escalate_overdue(dt.date(2026, 11, 4)) == 2  # "elsewhere" (a grid nobody works) climbs too
    set_today(monkeypatch, dt.date(2026, 11, 4))
    later = do_submit_application(grid_service.matter, {"what": "垃圾清运不及时"}, organization=grid_service.grid.pk,
                                  acting_user=users.public)  # a new request opens with them
    assert {s.application_id for s in inbox_for(li)} == {waiting.pk, later.pk}
    assert set(Step.objects.get(application=later).approvers.values_list("user_id", flat=True)) == {
        grid_service.worker.pk, li.pk}
    do_request_supplement(later, "请拍照说明位置", acting_user=li)
    grids = grids_worked_by(li)
    assert [g.pk for g in grids] == [grid_service.grid.pk]
    assert {a.pk for a in grid_requests(grids)} == {waiting.pk, later.pk}
    assert access_application(li, waiting.public_id) == waiting
    assert not applications_for(li).filter(pk=elsewhere.pk).exists()
    do_sign_step(waiting, "approve", "已协调维修", acting_user=li)
    waiting.refresh_from_db()
    assert waiting.state == State.APPROVED
    assert [a.pk for a in grid_requests(grids)] == [later.pk]
    assert {"services:grid", "services:inbox"} <= nav_keys(li)


def test_removing_a_grid_worker_takes_them_off_the_grid(users: Any, grid_service: Any, li: Any) -> None:
    appointed = do_appoint_grid_worker(grid_service.grid, li, acting_user=users.admin)
    app = do_submit_application(grid_service.matter, {"what": "路灯不亮"}, organization=grid_service.grid.pk,
                                acting_user=users.public)
    with pytest.raises(PermissionDenied):
        do_remove_grid_worker(appointed, acting_user=li)
    do_remove_grid_worker(appointed, acting_user=users.admin)
    assert not StepApprover.objects.filter(user=li).exists()
    assert list(inbox_for(li)) == [] and grids_worked_by(li) == []
    assert not applications_for(li).filter(pk=app.pk).exists()
    assert "services:grid" not in nav_keys(li)
    with pytest.raises(PermissionDenied):
        do_sign_step(app, "approve", acting_user=li)


def test_the_grid_page_on_a_phone_is_bounded_and_has_an_empty_state(users: Any, grid_service: Any, li: Any,
                                                                    django_assert_max_num_queries: Any) -> None:
    client = Client()
    client.login(username=li.username, password=PASSWORD)
    assert client.get("/services/grid/").status_code == 403  # not (yet) a grid worker
    do_appoint_grid_worker(grid_service.grid, li, acting_user=users.admin)
    page = client.get("/services/grid/")
    assert page.status_code == 200 and b'id="no-grid-requests"' in page.content
    first = do_submit_application(grid_service.matter, {"what": "楼道堆物"}, organization=grid_service.grid.pk,
                                  acting_user=users.public)
    with django_assert_max_num_queries(40) as one:
        page = client.get("/services/grid/")
    assert f"/services/a/{first.public_id}/".encode() in page.content
    assert page.content.count(b"waiting-for-me") == 1
    for i in range(12):
        do_submit_application(grid_service.matter, {"what": f"诉求{i}"}, organization=grid_service.grid.pk,
                              acting_user=users.public)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get("/services/grid/")
    assert page.content.count(b'href="/services/a/') == 13


def test_managers_appoint_on_the_page_and_see_unstaffed_grids_as_a_to_do(users: Any, grid_service: Any,
                                                                         second_grid: Any, li: Any) -> None:
    def refs(user: Any) -> list[str]:
        forget_counts(user)
        return [t.ref for t in todos_for(user, sources=["services.grid"]).items]

    assert refs(users.admin) == []  # the grid has no request yet
    do_submit_application(grid_service.matter, {"what": "电梯故障"}, organization=second_grid.pk,
                          acting_user=users.public)
    do_submit_application(grid_service.matter, {"what": "噪音"}, organization=grid_service.grid.pk,
                          acting_user=users.public)  # staffed: the department handler signs there
    assert refs(users.admin) == [f"service-grid:{second_grid.pk}"]
    assert refs(grid_service.town_b) == [f"service-grid:{second_grid.pk}"]
    assert refs(users.organizer) == []  # town A manages no grid of town B
    assert "services:grid_workers" in nav_keys(users.admin)
    assert "services:grid_workers" not in nav_keys(users.organizer)
    client = Client()
    client.login(username=grid_service.town_b.username, password=PASSWORD)
    bad = client.post("/services/grid/workers/", {"grid": second_grid.pk, "user": "nobody-by-that-name"})
    assert bad.status_code == 200 and b'id="error-user"' in bad.content
    assert not GridWorker.objects.exists()
    assert client.post("/services/grid/workers/", {"grid": second_grid.pk, "user": li.username}).status_code == 302
    assert refs(users.admin) == []
    listing = client.get("/services/grid/workers/")
    assert second_grid.name in listing.content.decode()
    appointed = GridWorker.objects.get()
    assert client.post("/services/grid/workers/", {"action": "remove", "worker": appointed.pk}).status_code == 302
    assert not GridWorker.objects.exists()
    other = Client()
    other.login(username=users.organizer.username, password=PASSWORD)
    assert other.get("/services/grid/workers/").status_code == 403


def test_grid_workers_run_their_grids_volunteer_tasks(monkeypatch: Any, users: Any, grid_service: Any,
                                                      second_grid: Any, li: Any) -> None:
    do_appoint_grid_worker(grid_service.grid, li, acting_user=users.admin)
    day = timezone.localdate() + dt.timedelta(days=3)
    task = do_create_volunteer_task(grid_service.grid, {"title": "社区义诊", "day": day.isoformat(), "places": "5"},
                                    acting_user=li)
    with pytest.raises(PermissionDenied):  # not their grid
        do_create_volunteer_task(second_grid, {"title": "x", "day": day.isoformat(), "places": "1"}, acting_user=li)
    client = Client()
    client.login(username=li.username, password=PASSWORD)
    assert task.title in client.get("/services/volunteer/").content.decode()
    set_today(monkeypatch, day + dt.timedelta(days=1))
    assert do_confirm_volunteering(task, [], acting_user=li) == 0
