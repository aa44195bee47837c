"""Grid service (S18): a request names its grid, goes to the grid branch's workers first, and
climbs the tree one level per time limit while unresolved — each level exactly once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from dangjian.services import State
from dangjian.services.actions import do_sign_step, do_submit_application, escalate_overdue, escalation_candidates
from dangjian.services.models import Step
from dangjian.services.selectors import inbox_for
from dangjian.services.tests.conftest import set_today

pytestmark = pytest.mark.django_db


def test_a_request_names_its_grid(tree: Any, users: Any, grid_service: Any) -> None:
    for bad in (None, tree.town_b.pk, 10**12):
        with pytest.raises(ValidationError) as exc:
            do_submit_application(grid_service.matter, {"what": "楼道灯坏了"}, organization=bad,
                                  acting_user=users.public)
        assert "organization" in exc.value.message_dict
    app = do_submit_application(grid_service.matter, {"what": "楼道灯坏了"}, organization=grid_service.grid.pk,
                                acting_user=users.public)
    assert app.organization_id == grid_service.grid.pk and app.org_path == grid_service.grid.path
    assert [s.application_id for s in inbox_for(grid_service.worker)] == [app.pk]
    do_sign_step(app, "approve", "已联系物业修复", acting_user=grid_service.worker)
    app.refresh_from_db()
    assert app.state == State.APPROVED


def test_unresolved_requests_climb_the_tree_once_per_level(monkeypatch: Any, tree: Any, users: Any,
                                                           grid_service: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 11, 2))  # Monday; the grid's one working day: due 3 November
    app = do_submit_application(grid_service.matter, {"what": "噪音扰民"}, organization=grid_service.grid.pk,
                                acting_user=users.public)
    step = Step.objects.get(application=app)
    assert escalate_overdue(dt.date(2026, 11, 3)) == 0
    stale = escalation_candidates(dt.date(2026, 11, 4))
    assert escalate_overdue(dt.date(2026, 11, 4), candidates=stale) == 1
    assert escalate_overdue(dt.date(2026, 11, 4), candidates=stale) == 0
    step.refresh_from_db()
    assert (step.escalated_to_id, step.escalation_level, step.escalation_due_on) == (tree.town_b.pk, 1,
                                                                                     dt.date(2026, 11, 5))
    assert [s.pk for s in inbox_for(grid_service.town_b)] == [step.pk]
    assert escalate_overdue(dt.date(2026, 11, 5)) == 0  # the town still has its day
    stale = escalation_candidates(dt.date(2026, 11, 6))
    assert escalate_overdue(dt.date(2026, 11, 6), candidates=stale) == 1
    assert escalate_overdue(dt.date(2026, 11, 6), candidates=stale) == 0
    step.refresh_from_db()
    assert (step.escalated_to_id, step.escalation_level) == (tree.county.pk, 2)
    assert escalate_overdue(dt.date(2026, 11, 20)) == 0  # the county is the top
    # The grid's own workers may still resolve it; the county decides alone.
    do_sign_step(app, "approve", "已协调处理", acting_user=users.admin)
    app.refresh_from_db()
    assert app.state == State.APPROVED


def test_ordinary_matters_escalate_once(monkeypatch: Any, tree: Any, users: Any, sv: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 11, 2))
    do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    assert escalate_overdue(dt.date(2026, 11, 5)) == 1
    assert escalate_overdue(dt.date(2026, 11, 30)) == 0
    assert Step.objects.get(position=1).escalated_to_id == tree.town_a.pk
