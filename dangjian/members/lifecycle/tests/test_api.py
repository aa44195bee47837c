"""API: /api/v1/lifecycle — list (scoped, paginated, bounded queries), issue, status requests."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dangjian.api.tests.conftest import login_token
from dangjian.members.lifecycle.actions import do_issue_certificate
from dangjian.members.lifecycle.tests.conftest import issue_data

pytestmark = pytest.mark.django_db


def _h(client: Client, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {login_token(client, user.username)}"}


def test_issue_and_list_floating(client: Client, tree: Any, people: Any) -> None:
    h = _h(client, people.secretary)
    r = client.post("/api/v1/lifecycle/floating", {"member": tree.alice.pk, "host_org": tree.branch_b1.pk,
                                                   "reason": "外出务工"}, content_type="application/json", headers=h)
    assert r.status_code == 201, r.content
    cert = r.json()
    assert cert["status"] == "issued" and cert["host_org"]["id"] == tree.branch_b1.pk
    r = client.post("/api/v1/lifecycle/floating", {"member": tree.alice.pk, "host_org": tree.branch_b1.pk,
                                                   "reason": "外出务工"}, content_type="application/json", headers=h)
    assert r.status_code == 400 and r.json()["field"] == "member" and r.json()["code"] == "invalid"
    r = client.post("/api/v1/lifecycle/floating", {"member": tree.bob.pk, "host_org": tree.branch_a1.pk,
                                                   "reason": "x"}, content_type="application/json", headers=h)
    assert r.status_code == 400 and r.json()["field"] == "host_org"
    r = client.post("/api/v1/lifecycle/floating", {"member": tree.dave.pk, "host_place": "x", "reason": "x"},
                    content_type="application/json", headers=h)
    assert r.status_code == 404
    listing = client.get(f"/api/v1/lifecycle/floating?org={tree.branch_a1.pk}", headers=h).json()
    assert listing["count"] == 1 and listing["items"][0]["number"] == cert["number"]
    hosted = client.get(f"/api/v1/lifecycle/floating?org={tree.branch_b1.pk}&dir=in",
                        headers=_h(client, people.host_secretary)).json()
    assert hosted["count"] == 1
    assert client.get(f"/api/v1/lifecycle/floating?org={tree.branch_a1.pk}",
                      headers=_h(client, people.other_county)).status_code == 404
    assert client.get(f"/api/v1/lifecycle/floating/{cert['id']}", headers=_h(client, people.other_county)).status_code == 404
    assert client.get("/api/v1/lifecycle/floating?status=bogus", headers=h).status_code == 422
    assert client.post("/api/v1/lifecycle/floating", {"member": tree.alice.pk}, content_type="application/json").status_code == 401


def test_floating_list_is_paginated_with_bounded_queries(client: Client, tree: Any, people: Any,
                                                         django_assert_max_num_queries: Any) -> None:
    from dangjian.testing.fixtures import make_member

    for i in range(7):
        m = make_member(tree.branch_a1, f"流动{i}", acting_user=people.admin)
        do_issue_certificate(m, issue_data(tree.branch_b1), acting_user=people.secretary)
    h = _h(client, people.secretary)
    for size in (2, 7):
        with django_assert_max_num_queries(10):
            body = client.get(f"/api/v1/lifecycle/floating?page_size={size}", headers=h).json()
        assert body["count"] == 7 and len(body["items"]) == size


def test_status_request_propose_approve_reject(client: Client, tree: Any, people: Any) -> None:
    h = _h(client, people.secretary)
    r = client.post("/api/v1/lifecycle/status-requests", {"member": tree.bob.pk, "kind": "full", "reason": "支部大会通过"},
                    content_type="application/json", headers=h)
    assert r.status_code == 201, r.content
    req = r.json()
    assert req["status"] == "pending" and req["from_status"] == "probationary"
    assert client.post(f"/api/v1/lifecycle/status-requests/{req['id']}/approve", {}, content_type="application/json",
                       headers=h).status_code == 403
    assert client.post(f"/api/v1/lifecycle/status-requests/{req['id']}/approve", {}, content_type="application/json",
                       headers=_h(client, people.other_town)).status_code == 404
    t = _h(client, people.town_secretary)
    r = client.post(f"/api/v1/lifecycle/status-requests/{req['id']}/approve", {"note": "同意"},
                    content_type="application/json", headers=t)
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["member_status"] == "full"
    r = client.post(f"/api/v1/lifecycle/status-requests/{req['id']}/reject", {"note": "x"},
                    content_type="application/json", headers=t)
    assert r.status_code == 400 and r.json()["field"] == "status"
    r = client.post("/api/v1/lifecycle/status-requests", {"member": tree.alice.pk, "kind": "suspend", "reason": "失联"},
                    content_type="application/json", headers=h)
    assert r.status_code == 400 and r.json()["field"] == "lost_contact_since"
    r = client.post("/api/v1/lifecycle/status-requests", {"member": tree.alice.pk, "kind": "death", "reason": "病故"},
                    content_type="application/json", headers=h)
    rid = r.json()["id"]
    r = client.post(f"/api/v1/lifecycle/status-requests/{rid}/reject", {"note": ""}, content_type="application/json",
                    headers=t)
    assert r.status_code == 400 and r.json()["field"] == "note"
    r = client.post(f"/api/v1/lifecycle/status-requests/{rid}/reject", {"note": "材料不全"},
                    content_type="application/json", headers=t)
    assert r.json()["status"] == "rejected"
    listing = client.get("/api/v1/lifecycle/status-requests?status=rejected", headers=t).json()
    assert listing["count"] == 1
