"""/api/v1/orgs: detail, children with subtree member counts, scope (404 outside)."""

from __future__ import annotations

import pytest

from dangjian.members.actions import do_change_member_status

pytestmark = pytest.mark.django_db


def test_org_detail_has_parent_and_subtree_count(client, users, tree, bearer):
    h = bearer(users.admin)
    r = client.get(f"/api/v1/orgs/{tree.county.pk}", headers=h)
    assert r.status_code == 200
    assert r.json() == {"id": tree.county.pk, "name": tree.county.name, "kind": "committee",
                        "parent": None, "member_count": 4}
    r = client.get(f"/api/v1/orgs/{tree.branch_a1.pk}", headers=h)
    assert r.json()["parent"] == tree.town_a.pk
    assert r.json()["member_count"] == 2


def test_children_with_counts_in_bounded_queries(client, users, tree, bearer, django_assert_max_num_queries):
    h = bearer(users.admin)
    client.get("/api/v1/me", headers=h)  # the token's last-used write happens here, not below
    with django_assert_max_num_queries(6):
        r = client.get(f"/api/v1/orgs/{tree.county.pk}/children", headers=h)
    assert r.status_code == 200
    assert r.json() == [
        {"id": tree.town_a.pk, "name": tree.town_a.name, "kind": "committee", "parent": tree.county.pk, "member_count": 3},
        {"id": tree.town_b.pk, "name": tree.town_b.name, "kind": "committee", "parent": tree.county.pk, "member_count": 1},
    ]
    r = client.get(f"/api/v1/orgs/{tree.branch_a1.pk}/children", headers=h)
    assert r.json() == []


def test_member_count_covers_current_members_only(client, users, tree, root_user, bearer):
    do_change_member_status(tree.carol, "deceased", acting_user=root_user, reason="test")
    r = client.get(f"/api/v1/orgs/{tree.town_a.pk}", headers=bearer(users.admin))
    assert r.json()["member_count"] == 2


def test_roots_are_the_callers_scope(client, users, tree, bearer):
    r = client.get("/api/v1/orgs", headers=bearer(users.secretary))
    assert [o["id"] for o in r.json()] == [tree.branch_a1.pk]
    r = client.get("/api/v1/orgs", headers=bearer(users.admin))
    assert [o["id"] for o in r.json()] == [tree.county.pk]
    r = client.get("/api/v1/orgs", headers=bearer(users.nobody))
    assert r.json() == []


# (user, org, expected status). Scoped roles sit on town_a; the secretary on branch_a1.
ORG_MATRIX = [
    ("admin", "county", 200), ("admin", "branch_b1", 200),
    ("secretary", "branch_a1", 200), ("secretary", "town_a", 404), ("secretary", "branch_a2", 404),
    ("organizer", "town_a", 200), ("organizer", "branch_a2", 200), ("organizer", "county", 404),
    ("organizer", "branch_b1", 404),
    ("publicity", "branch_a1", 200), ("publicity", "town_b", 404),
    ("discipline", "branch_a1", 200), ("discipline", "branch_b1", 404),
    ("handler", "town_a", 404), ("member", "branch_a1", 404), ("public", "county", 404),
    ("nobody", "county", 404),
]


@pytest.mark.parametrize("who,org,expected", ORG_MATRIX)
def test_org_scope_matrix(client, users, tree, bearer, who, org, expected):
    h = bearer(getattr(users, who))
    pk = getattr(tree, org).pk
    for url in (f"/api/v1/orgs/{pk}", f"/api/v1/orgs/{pk}/children"):
        r = client.get(url, headers=h)
        assert r.status_code == expected, (url, r.content)
        if expected == 404:
            assert r.json() == {"code": "not_found", "message": r.json()["message"]}
            assert getattr(tree, org).name not in r.content.decode()


def test_missing_and_bad_ids(client, users, bearer):
    h = bearer(users.admin)
    assert client.get("/api/v1/orgs/987654", headers=h).status_code == 404
    for bad in ("abc", "-1", "0", "99999999999999999999", "1.5"):
        r = client.get(f"/api/v1/orgs/{bad}", headers=h)
        assert r.status_code in (404, 422), (bad, r.status_code)
        assert r.json()["code"] in ("not_found", "validation_error")


def test_requires_authentication(client, tree):
    r = client.get(f"/api/v1/orgs/{tree.county.pk}")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"


def test_parent_outside_the_scope_is_null(client, users, tree, bearer):
    """Regression: a scope root's parent id (an organization the caller may not view) leaked."""
    h = bearer(users.organizer)  # organizer on town_a; the county is outside the scope
    r = client.get("/api/v1/orgs", headers=h)
    assert r.status_code == 200
    assert [(o["id"], o["parent"]) for o in r.json()] == [(tree.town_a.pk, None)]
    r = client.get(f"/api/v1/orgs/{tree.town_a.pk}", headers=h)
    assert r.json()["parent"] is None
    # Below the scope root the parent is in scope and shown.
    assert client.get(f"/api/v1/orgs/{tree.branch_a1.pk}", headers=h).json()["parent"] == tree.town_a.pk
    children = client.get(f"/api/v1/orgs/{tree.town_a.pk}/children", headers=h).json()
    assert {o["parent"] for o in children} == {tree.town_a.pk}
    # The secretary's scope root is branch_a1: town_a is hidden from them.
    r = client.get("/api/v1/orgs", headers=bearer(users.secretary))
    assert [(o["id"], o["parent"]) for o in r.json()] == [(tree.branch_a1.pk, None)]


def test_parent_inside_the_scope_is_shown(client, users, tree, bearer):
    h = bearer(users.admin)  # county admin
    assert client.get(f"/api/v1/orgs/{tree.town_a.pk}", headers=h).json()["parent"] == tree.county.pk
    assert client.get("/api/v1/orgs", headers=h).json()[0]["parent"] is None  # the county is a tree root
