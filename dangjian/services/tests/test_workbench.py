"""The service centre on the workbench: to-dos (overdue first), search by number, navigation,
figures, the scheduled sweep as the worker runs it, and the demo seeder."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.core.hooks import DemoContext
from dangjian.core.navigation import navigation
from dangjian.core.search import search_all
from dangjian.core.todos import forget_counts, todos_for
from dangjian.services import State
from dangjian.services.actions import (
    do_request_supplement,
    do_resubmit_application,
    do_return_application,
    do_sign_step,
    do_submit_application,
)
from dangjian.services.models import Application, Document, GridWorker, Matter, Step, VolunteerTask
from dangjian.services.selectors import volunteer_tasks_for
from dangjian.testing.figures import assert_records, value

pytestmark = pytest.mark.django_db


def refs(user: Any, source: str) -> list[str]:
    forget_counts(user)
    return [t.ref for t in todos_for(user, sources=[source]).items]


def nav_keys(user: Any) -> set[str]:
    return {e["key"] for g in navigation(user, badges=False) for e in g["entries"]}


def test_todos_overdue_first_and_the_applicants_own(users: Any, sv: Any) -> None:
    a = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    b = do_submit_application(sv.proof, {"purpose": "就业"}, acting_user=users.member)
    Step.objects.filter(application=b, position=1).update(due_on=timezone.localdate() - dt.timedelta(days=3))
    sa, sb = (Step.objects.get(application=x, position=1) for x in (a, b))
    items = todos_for(users.secretary, sources=["services.sign"]).items
    assert [t.ref for t in items] == [f"service-step:{sb.pk}:1", f"service-step:{sa.pk}:1"]
    assert items[0].urgent and not items[1].urgent
    do_request_supplement(a, "请补充", acting_user=users.secretary)
    assert refs(users.secretary, "services.sign") == [f"service-step:{sb.pk}:1"]
    assert refs(users.member, "services.mine") == [f"service-application:{a.pk}:supplement"]
    do_sign_step(b, "approve", acting_user=users.secretary)
    assert refs(users.secretary, "services.sign") == []


def test_search_by_number_and_navigation(users: Any, sv: Any) -> None:
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    for user in (users.organizer, users.member):
        hits = [h.url for g in search_all(user, app.number) if g["kind"] == "services" for h in g["items"]]
        assert hits == [f"/services/a/{app.public_id}/"]
    assert [g for g in search_all(users.public, app.number) if g["kind"] == "services"] == []
    assert {"services:catalogue", "services:mine", "services:inbox", "services:matters"} <= nav_keys(users.admin)
    assert {"services:catalogue", "services:mine"} <= nav_keys(users.member)
    assert not {"services:inbox", "services:matters"} & nav_keys(users.member)


def test_figures(tree: Any, users: Any, sv: Any) -> None:
    done = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    do_sign_step(done, "approve", acting_user=users.secretary)
    do_sign_step(done, "approve", acting_user=users.admin)
    do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    late = do_submit_application(sv.proof, {"purpose": "就业"}, acting_user=users.member)
    Application.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    do_sign_step(late, "reject", "不符合条件", acting_user=users.secretary)
    today = timezone.localdate()
    assert value("services.received", tree.county, today) == 3
    assert value("services.received", tree.county, today, state=State.APPROVED) == 1
    assert value("services.received", tree.town_b, today) == 0
    assert value("services.on_time", tree.town_a, today) == 1
    assert value("services.on_time_rate", tree.county, today) == 50.0
    assert_records(Client(), users.admin, "services.received", tree.county, today, 3)
    assert value("services.returned", tree.county, today) == 0
    sup = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    do_request_supplement(sup, "请补充", acting_user=users.secretary)
    do_return_application(late_two := do_submit_application(sv.proof, {"purpose": "入学"}, acting_user=users.member),
                          "请重填", acting_user=users.secretary)
    do_resubmit_application(late_two, {"purpose": "就业"}, acting_user=users.member)
    assert value("services.supplemented", tree.county, today) == 1
    assert value("services.returned", tree.county, today) == 1
    assert value("services.resubmitted", tree.county, today) == 1


def test_the_scheduled_sweep_runs_as_the_worker_runs_it(users: Any, sv: Any) -> None:
    from dangjian.core.scheduler import JOBS
    from dangjian.services.tasks import sweep_deadlines

    assert JOBS["services.sweep"].task_path == "dangjian.services.tasks.sweep_deadlines"
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    Step.objects.filter(application=app, position=1).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    result = sweep_deadlines.enqueue().return_value
    assert result == {"warned": 1, "escalated": 1}
    assert sweep_deadlines.enqueue().return_value == {"warned": 0, "escalated": 0}


def test_demo_seeder(tree: Any, users: Any, grid: Any) -> None:
    from dangjian.services.demo import seed_demo

    demo_users = {"demo-admin": users.admin, "demo-secretary": users.secretary, "demo-member": users.member}
    seed_demo(DemoContext(root=tree.county, branch=tree.branch_a1, users=demo_users, rng=random.Random(1),
                          today=timezone.localdate(), scale="small"))
    assert set(Matter.objects.values_list("title", flat=True)) == {"党员身份证明", "困难党员帮扶", "流动党员活动证申请",
                                                                   "在职党员到社区报到", "会议室预约", "社区网格诉求"}
    states = sorted(Application.objects.values_list("state", flat=True))
    assert states == sorted([State.APPROVED, State.IN_PROGRESS, State.SUPPLEMENT, State.SUBMITTED, State.APPROVED,
                             State.SUBMITTED, State.SUBMITTED])
    certificate = Application.objects.get(matter__outcome="lifecycle.floating_certificate")
    assert certificate.state == State.SUBMITTED and certificate.data["host_place"] == "浙江省宁波市"
    # The community registration went to the grid, its grid worker approved it; the member signed
    # up for the grid's volunteer task.
    worker = GridWorker.objects.get(grid=grid.grid_branch).user
    assert worker.username == "demo-grid"
    registration = Application.objects.get(matter__community_registration=True)
    assert (registration.organization_id, registration.state) == (grid.grid_branch.pk, State.APPROVED)
    assert Application.objects.get(matter__title="社区网格诉求").organization_id == grid.grid_branch.pk
    task = VolunteerTask.objects.get()
    assert list(volunteer_tasks_for(users.member)) == [task]
    assert list(task.signups.values_list("user_id", flat=True)) == [users.member.pk]
    assert Document.objects.count() == 1
