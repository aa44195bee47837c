"""A step whose organization has no approver is handed at once to the nearest organization above
with one (never silently stuck), and an overdue step escalates to the nearest one that can sign."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from dangjian.core.models import Notification
from dangjian.core.roles import Role
from dangjian.members.models import Person
from dangjian.orgs.actions import do_create_organization
from dangjian.services import Anchor, Audience, StepState
from dangjian.services.actions import do_save_matter, do_sign_step, do_submit_application, escalate_overdue
from dangjian.services.selectors import inbox_for
from dangjian.services.tests.conftest import set_today
from dangjian.testing.fixtures import make_member, make_user

pytestmark = pytest.mark.django_db


def _account(member: Any, username: str, org: Any, root_user: Any) -> Any:
    user = make_user(username, Role.MEMBER, org, acting_user=root_user)
    Person.objects.filter(pk=member.person_id).update(user=user)
    return user


def test_a_branch_without_approver_hands_its_step_to_the_town(
        monkeypatch: Any, tree: Any, users: Any, sv: Any, root_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    carol = _account(tree.carol, "carol", tree.branch_a2, root_user)  # branch A2: no secretary
    set_today(monkeypatch, dt.date(2026, 11, 2))
    with django_capture_on_commit_callbacks(execute=True):
        app = do_submit_application(sv.proof, {"purpose": "就业"}, acting_user=carol)
    step = app.steps.get(position=1)
    assert step.organization_id == tree.branch_a2.pk and step.escalated_to_id == tree.town_a.pk
    assert step.escalated_at is None  # handed up, not overdue
    assert [s.pk for s in inbox_for(users.organizer)] == [step.pk]
    assert Notification.objects.filter(recipient=users.organizer, kind="services.step").exists()
    assert set(app.history.values_list("kind", flat=True)) == {"fallback", "submitted"}
    # Overdue at the town too: it climbs to the county (the nearest above with an approver), once.
    assert escalate_overdue(dt.date(2026, 11, 5)) == 1
    assert escalate_overdue(dt.date(2026, 11, 5)) == 0
    step.refresh_from_db()
    assert step.escalated_to_id == tree.county.pk and step.escalated_at is not None
    do_sign_step(app, "approve", acting_user=users.admin)  # the county decides the step alone
    step.refresh_from_db()
    assert step.state == StepState.DONE


def test_the_town_signs_a_handed_up_step_alone(tree: Any, users: Any, sv: Any, root_user: Any) -> None:
    carol = _account(tree.carol, "carol", tree.branch_a2, root_user)
    app = do_submit_application(sv.proof, {"purpose": "就业"}, acting_user=carol)
    with pytest.raises(PermissionDenied):  # the branch A1 secretary signs nothing of branch A2
        do_sign_step(app, "approve", acting_user=users.secretary)
    do_sign_step(app, "approve", acting_user=users.handler)
    app.refresh_from_db()
    assert app.current_position == 2
    assert list(app.steps.order_by("position").values_list("state", flat=True)) == [StepState.DONE,
                                                                                    StepState.ACTIVE]


def test_nobody_anywhere_above_tells_the_superusers(tree: Any, users: Any, root_user: Any,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    other = do_create_organization(None, {"name": "中共另一县委员会", "kind": "committee"}, acting_user=root_user)
    branch = do_create_organization(other, {"name": "另一村党支部", "kind": "branch"}, acting_user=root_user)
    erin = _account(make_member(branch, "孙艾琳", acting_user=root_user), "erin", branch, root_user)
    matter = do_save_matter(other, {"title": "证明", "audience": Audience.MEMBERS, "time_limit_days": 3,
                                    "active": True},
                            [{"name": "支部", "anchor": Anchor.OWN, "time_limit_days": 1}],
                            fields=[{"key": "x", "label": "X", "type": "text"}], acting_user=root_user)
    with django_capture_on_commit_callbacks(execute=True):
        app = do_submit_application(matter, {}, acting_user=erin)
    assert "no_approver" in set(app.history.values_list("kind", flat=True))
    assert Notification.objects.filter(recipient=root_user, kind="services.step", title__contains=app.number).exists()
