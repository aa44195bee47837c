"""API: start with the computed route, read, approve/return; errors as {code, message, field}; scope."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.core.actions import do_issue_api_token
from dangjian.members.transfers.actions import do_start_transfer
from dangjian.members.transfers.models import Transfer
from dangjian.members.transfers.tests.helpers import start_data

pytestmark = pytest.mark.django_db
URL = "/api/v1/transfers"


def auth(user: Any) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {do_issue_api_token(user)}"}


def post(client: Any, url: str, data: dict[str, Any], user: Any) -> Any:
    return client.post(url, data, content_type="application/json", **auth(user))


def test_start_returns_route(client: Any, tree: Any, users: Any) -> None:
    r = post(client, URL, {"member": tree.alice.pk, "to_org": tree.branch_b1.pk, "reason": "工作调动"}, users.secretary)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["route"] == [tree.branch_a1.pk, tree.town_a.pk, tree.town_b.pk, tree.branch_b1.pk]
    assert body["status"] == "in_progress" and body["current_org"] == tree.branch_a1.pk
    assert tree.alice.person.id_number not in r.content.decode()
    assert body["id_number"] == tree.alice.person.id_number_masked


def test_start_external(client: Any, tree: Any, users: Any) -> None:
    r = post(client, URL, {"member": tree.alice.pk, "to_external": {"name": "外省某村党支部", "address": "某省"},
                           "reason": "回原籍"}, users.secretary)
    assert r.status_code == 201, r.content
    assert r.json()["route"] == [tree.branch_a1.pk, tree.town_a.pk] and r.json()["to_org"] is None


@pytest.mark.parametrize(("payload", "field"), [
    ({"to_org": "branch_a1"}, "to_org"),       # same organization
    ({"to_org": "town_b"}, "to_org"),          # not a branch
    ({"to_org": "branch_b1", "member": "dave"}, "member"),  # member out of scope
    ({"to_org": "branch_b1", "member": 987654}, "member"),  # unknown member: same answer
    ({}, "to_org"),
])
def test_bad_input_4xx_with_field(client: Any, tree: Any, users: Any, payload: dict[str, Any], field: str) -> None:
    data: dict[str, Any] = {"member": tree.alice.pk, "reason": "工作调动"}
    for key, value in payload.items():
        data[key] = getattr(tree, value).pk if isinstance(value, str) else value
    r = post(client, URL, data, users.secretary)
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["field"] == field and body["code"] == "invalid" and body["message"]
    assert not Transfer.objects.exists()


def test_member_already_in_transfer_4xx(client: Any, tree: Any, users: Any) -> None:
    data = {"member": tree.alice.pk, "to_org": tree.branch_b1.pk, "reason": "工作调动"}
    assert post(client, URL, data, users.secretary).status_code == 201
    r = post(client, URL, {**data, "to_org": tree.branch_a2.pk}, users.secretary)
    assert r.status_code == 400 and r.json()["field"] == "member"


def test_validation_error_is_422(client: Any, tree: Any, users: Any) -> None:
    r = post(client, URL, {"member": "x", "reason": "a"}, users.secretary)
    assert r.status_code == 422 and r.json()["field"] == "member"


def test_writes_need_a_token(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    r = client.post(URL, {"member": tree.alice.pk, "to_org": tree.branch_b1.pk, "reason": "x"},
                    content_type="application/json")
    assert r.status_code == 401


def test_get_is_scoped(client: Any, tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    for user, status in [(users.secretary, 200), (approvers.branch_b1, 200), (approvers.town_b, 200),
                         (users.admin, 200), (users.member, 200), (approvers.branch_a2, 404), (users.public, 404),
                         (users.publicity, 404)]:
        r = client.get(f"{URL}/{t.pk}", **auth(user))
        assert r.status_code == status, (user.username, r.content)
    r = client.get(f"{URL}/999999", **auth(users.admin))
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_approve_and_return_through_the_api(client: Any, tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_a2.pk), acting_user=users.secretary)
    # the receiving branch sees the transfer but may not decide the sending branch's step
    r = post(client, f"{URL}/{t.pk}/approve", {}, approvers.branch_a2)
    assert r.status_code == 403
    r = post(client, f"{URL}/{t.pk}/approve", {"reason": "同意"}, approvers.branch_a1)
    assert r.status_code == 200, r.content
    assert r.json()["current_org"] == tree.town_a.pk and r.json()["hops"][0]["state"] == "approved"
    r = post(client, f"{URL}/{t.pk}/return", {"reason": ""}, approvers.town_a)
    assert r.status_code == 400 and r.json()["field"] == "reason"
    r = post(client, f"{URL}/{t.pk}/return", {"reason": "材料不全"}, approvers.town_a)
    assert r.status_code == 200 and r.json()["status"] == "returned"
    r = post(client, f"{URL}/{t.pk}/approve", {}, approvers.town_a)
    assert r.status_code == 400  # returned: nothing to approve until resubmitted
    r = post(client, f"{URL}/{t.pk}/approve", {}, approvers.branch_b1)
    assert r.status_code == 404  # out of scope: not found


def test_list_is_paginated_with_bounded_queries(client: Any, tree: Any, users: Any, root_user: Any,
                                                 django_assert_max_num_queries: Any) -> None:
    from dangjian.testing.fixtures import make_member

    for i in range(6):
        m = make_member(tree.branch_a1, f"成员{i}", acting_user=root_user)
        do_start_transfer(m, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    headers = auth(users.secretary)
    with django_assert_max_num_queries(8):
        r = client.get(f"{URL}?box=outgoing&page_size=2&page=2", **headers)
    assert r.status_code == 200
    assert r.json()["count"] == 6 and len(r.json()["items"]) == 2
    with django_assert_max_num_queries(8):
        r = client.get(f"{URL}?box=awaiting&page_size=100", **headers)
    assert r.json()["count"] == 6
