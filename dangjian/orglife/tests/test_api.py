from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.orglife import qr
from dangjian.orglife.actions import do_close_activity, do_start_activity
from dangjian.orglife.models import Attendee
from dangjian.orglife.tests.conftest import at, plan
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def _bearer(client: Client, user: Any) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", {"username": user.username, "password": PASSWORD},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_list_is_scoped_filtered_and_paginated(client: Client, tree: Any, users: Any, ol: Any,
                                               django_assert_max_num_queries: Any) -> None:
    a1 = plan(tree.branch_a1, users.secretary, starts_at=at(2026, 5, 1))
    plan(tree.branch_a1, users.secretary, starts_at=at(2026, 6, 30, 23, 30))
    plan(tree.branch_a2, users.organizer, starts_at=at(2026, 5, 2))
    plan(tree.branch_b1, users.admin, starts_at=at(2026, 5, 3))
    headers = _bearer(client, users.organizer)
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/orglife/activities?page_size=2", headers=headers).json()
    assert body["count"] == 3 and len(body["items"]) == 2  # town_a only
    body = client.get(f"/api/v1/orglife/activities?org={tree.branch_a1.pk}&from=2026-05-01&to=2026-05-31",
                      headers=headers).json()
    assert [i["id"] for i in body["items"]] == [a1.pk]
    body = client.get("/api/v1/orglife/activities?from=2026-06-30&to=2026-06-30", headers=headers).json()
    assert body["count"] == 1  # 23:30 Shanghai on the last day is included
    # a member sees only their own activities; another subtree is a 404
    member = client.get("/api/v1/orglife/activities", headers=_bearer(client, ol.carol)).json()
    assert member["count"] == 1
    response = client.get(f"/api/v1/orglife/activities?org={tree.branch_b1.pk}", headers=headers)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_list_rejects_bad_filters(client: Client, tree: Any, users: Any) -> None:
    headers = _bearer(client, users.organizer)
    response = client.get("/api/v1/orglife/activities?from=2026-05-02&to=2026-05-01", headers=headers)
    assert response.status_code == 422 and response.json()["field"] == "to"
    response = client.get("/api/v1/orglife/activities?kind=party", headers=headers)
    assert response.status_code == 422 and response.json()["field"] == "kind"
    assert client.get("/api/v1/orglife/activities").status_code == 401


def test_checkin_by_api(client: Client, tree: Any, users: Any, ol: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1_800_000_000.0]
    monkeypatch.setattr(qr, "clock", lambda: now[0])
    a = plan(tree.branch_a1, users.secretary)
    code = qr.current_code(a.pk)
    headers = _bearer(client, ol.alice)
    url = f"/api/v1/orglife/activities/{a.pk}/checkin"
    response = client.post(url, {"code": code}, content_type="application/json", headers=headers)
    assert response.status_code == 200 and response.json()["method"] == "qr"
    assert client.post(url, {"code": code}, content_type="application/json", headers=headers).status_code == 200
    now[0] += 90
    response = client.post(url, {"code": code}, content_type="application/json", headers=_bearer(client, ol.bob))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["field"] == "code"
    assert not Attendee.objects.get(activity=a, member=tree.bob).present
    response = client.post(url, {"code": qr.current_code(a.pk)}, content_type="application/json",
                           headers=_bearer(client, ol.carol))
    assert response.status_code == 404  # not their branch, not an attendee: no leak
    response = client.post(url, {}, content_type="application/json", headers=headers)
    assert response.status_code == 422 and response.json()["field"] == "code"


def test_compliance_endpoint(client: Client, tree: Any, users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, starts_at=at(2025, 2, 1))
    do_start_activity(a, acting_user=users.secretary)
    do_close_activity(a, {"minutes": "会议记录。", "chair": "甲", "minute_taker": "乙"}, acting_user=users.secretary)
    headers = _bearer(client, users.organizer)
    body = client.get(f"/api/v1/orglife/compliance?org={tree.town_a.pk}&year=2025", headers=headers).json()
    assert body["count"] == 2 and body["year"] == 2025
    a1 = next(b for b in body["branches"] if b["organization"]["id"] == tree.branch_a1.pk)
    assembly = next(k for k in a1["kinds"] if k["kind"] == "branch_assembly")
    assert (assembly["required"], assembly["held"], assembly["periods_met"]) == (4, 1, 1)
    assert client.get(f"/api/v1/orglife/compliance?org={tree.town_b.pk}", headers=headers).status_code == 404
    response = client.get("/api/v1/orglife/compliance?year=1900", headers=headers)
    assert response.status_code == 422 and response.json()["field"] == "year"
    body = client.get("/api/v1/orglife/compliance", headers=headers).json()
    assert body["organization"]["id"] == tree.town_a.pk and body["year"] == timezone.localdate().year
