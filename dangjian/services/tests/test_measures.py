"""Measures beyond stars: the working days each step took (a figure per organization subtree)
and the applicant's rating of a decided application (once, 1–5, its own figure)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from dangjian.services.actions import (
    do_rate_application,
    do_request_supplement,
    do_sign_step,
    do_submit_application,
    do_supply_material,
)
from dangjian.services.tests.conftest import set_today
from dangjian.testing.figures import value

pytestmark = pytest.mark.django_db


def test_working_days_per_step(monkeypatch: Any, tree: Any, users: Any, sv: Any) -> None:
    set_today(monkeypatch, dt.date(2026, 11, 2))  # Monday
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)  # branch: 2 days
    set_today(monkeypatch, dt.date(2026, 11, 4))
    do_sign_step(app, "approve", acting_user=users.secretary)  # took both days
    set_today(monkeypatch, dt.date(2026, 11, 5))
    do_sign_step(app, "approve", acting_user=users.admin)  # county: opened the 4th, signed the 5th
    assert list(app.steps.order_by("position").values_list("days_taken", flat=True)) == [2, 1]
    # 补正 pauses the clock: three working days waiting for material do not count.
    second = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)  # opened the 5th
    do_request_supplement(second, "请补充说明", acting_user=users.secretary)
    set_today(monkeypatch, dt.date(2026, 11, 10))
    do_supply_material(second, {"note": "补充"}, acting_user=users.member)
    do_sign_step(second, "approve", acting_user=users.secretary)
    assert second.steps.get(position=1).days_taken == 0
    today = timezone.localdate()
    assert value("services.step_days", tree.county, today) == 1.0  # (2 + 1 + 0) / 3
    assert value("services.step_days", tree.town_a, today) == 1.0  # the branch's two: (2 + 0) / 2
    assert value("services.step_days", tree.town_b, today) == 0.0


def test_the_applicant_rates_a_decided_application_once(tree: Any, users: Any, sv: Any) -> None:
    app = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    with pytest.raises(ValidationError) as exc:
        do_rate_application(app, 5, acting_user=users.member)  # not decided yet
    assert "rating" in exc.value.message_dict
    do_sign_step(app, "approve", acting_user=users.secretary)
    do_sign_step(app, "approve", acting_user=users.admin)
    with pytest.raises(PermissionDenied):
        do_rate_application(app, 5, acting_user=users.secretary)
    for bad in (0, 6, "x", None):
        with pytest.raises(ValidationError):
            do_rate_application(app, bad, acting_user=users.member)
    client = Client()
    client.force_login(users.member)
    response = client.post(f"/services/a/{app.public_id}/act/", {"action": "rate", "rating": "4",
                                                                 "rating_comment": "办得快"}, follow=True)
    assert "★★★★☆" in response.content.decode()
    app.refresh_from_db()
    assert (app.rating, app.rating_comment) == (4, "办得快")
    response = client.post(f"/services/a/{app.public_id}/act/", {"action": "rate", "rating": "1"}, follow=True)
    assert "已评价" in response.content.decode()  # refused, in Chinese by default
    app.refresh_from_db()
    assert app.rating == 4
    today = timezone.localdate()
    assert value("services.rating", tree.county, today) == 4.0
    assert value("services.rated", tree.county, today) == 1
