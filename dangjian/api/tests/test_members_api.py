"""/api/v1/members: scope matrix, filters, pagination, masking, bounded queries, bad input."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dangjian.members.models import Member
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db

ALL = {"alice", "bob", "carol", "dave"}
#: Who sees which of the tree's members (scoped roles on town_a; the secretary on branch_a1;
#: the member sees only their own record, alice).
VISIBLE = {
    "admin": ALL,
    "secretary": {"alice", "bob"},
    "organizer": {"alice", "bob", "carol"},
    "publicity": set(),
    "discipline": {"alice", "bob", "carol"},
    "handler": set(),
    "member": {"alice"},
    "public": set(),
    "nobody": set(),
}
#: Organizations whose subtree each user may list with ?org=.
ORG_PARAM_OK = {
    "admin": {"county", "town_a", "town_b", "branch_a1", "branch_a2", "branch_b1"},
    "secretary": {"branch_a1"},
    "organizer": {"town_a", "branch_a1", "branch_a2"},
    "discipline": {"town_a", "branch_a1", "branch_a2"},
}
ORGS = ["county", "town_a", "town_b", "branch_a1", "branch_a2", "branch_b1"]


def _names(tree, keys):
    return {getattr(tree, k).person.name for k in keys}


def _secrets(tree) -> list[str]:
    """Plaintext ID numbers and phones of the tree's members (must never appear in a response)."""
    out = []
    for m in Member.objects.select_related("person"):
        out += [m.person.id_number, m.person.phone]
    assert all(out) and len(out) == 8
    return out


@pytest.mark.parametrize("who", list(VISIBLE))
def test_member_scope_matrix(client, users, tree, bearer, who):
    h = bearer(getattr(users, who))
    secrets = _secrets(tree)
    bodies = []

    r = client.get("/api/v1/members", headers=h)
    assert r.status_code == 200
    bodies.append(r.content.decode())
    assert {i["name"] for i in r.json()["items"]} == _names(tree, VISIBLE[who])
    assert r.json()["count"] == len(VISIBLE[who])

    for key in sorted(ALL):
        member = getattr(tree, key)
        r = client.get(f"/api/v1/members/{member.pk}", headers=h)
        bodies.append(r.content.decode())
        if key in VISIBLE[who]:
            assert r.status_code == 200
            assert r.json()["id"] == member.pk
            assert r.json()["id_number"] == member.person.id_number_masked
        else:
            assert r.status_code == 404, (who, key)
            assert r.json()["code"] == "not_found"
            assert member.person.name not in r.content.decode()

    for org in ORGS:
        o = getattr(tree, org)
        r = client.get("/api/v1/members", {"org": o.pk}, headers=h)
        bodies.append(r.content.decode())
        if org in ORG_PARAM_OK.get(who, set()):
            assert r.status_code == 200, (who, org)
            in_org = {k for k in ALL if getattr(tree, k).org_path.startswith(o.path)}
            assert {i["name"] for i in r.json()["items"]} == _names(tree, in_org & VISIBLE[who])
        else:
            assert r.status_code == 404, (who, org)
            assert r.json()["code"] == "not_found"

    joined = "\n".join(bodies)
    for secret in secrets:
        assert secret not in joined


def test_list_item_fields_are_masked(client, users, tree, bearer):
    r = client.get("/api/v1/members", {"org": tree.branch_a1.pk}, headers=bearer(users.secretary))
    items = {i["name"]: i for i in r.json()["items"]}
    alice = items[tree.alice.person.name]
    assert set(alice) == {"id", "name", "sex", "id_number", "phone", "organization", "status", "category",
                          "join_date", "full_date"}
    assert alice["organization"] == {"id": tree.branch_a1.pk, "name": tree.branch_a1.name}
    assert "*" in alice["id_number"] and "*" in alice["phone"]
    assert alice["status"] == "full" and alice["join_date"] == "2010-07-01"
    assert items[tree.bob.person.name]["status"] == "probationary"


def test_detail_shows_birth_date_only_to_pii_viewers(client, users, tree, bearer):
    alice = Member.objects.select_related("person").get(pk=tree.alice.pk)
    r = client.get(f"/api/v1/members/{alice.pk}", headers=bearer(users.organizer))
    assert r.status_code == 200
    assert r.json()["birth_date"] is None
    assert r.json()["id_number"] == alice.person.id_number_masked != alice.person.id_number
    r = client.get(f"/api/v1/members/{alice.pk}", headers=bearer(users.secretary))
    expected = alice.person.birth_date.isoformat() if alice.person.birth_date else None
    assert r.json()["birth_date"] == expected


def test_filters_and_search(client, users, tree, bearer):
    h = bearer(users.admin)

    def names(**params):
        r = client.get("/api/v1/members", params, headers=h)
        assert r.status_code == 200, r.content
        return {i["name"] for i in r.json()["items"]}

    assert names(status="probationary") == {tree.bob.person.name}
    assert names(status="current") == _names(tree, ALL)
    assert names(q="赵") == {tree.dave.person.name}
    alice = Member.objects.select_related("person").get(pk=tree.alice.pk)
    assert names(q=alice.person.id_number) == {alice.person.name}  # exact ID via the HMAC digest
    assert names(org=tree.town_b.pk, q="张") == set()
    assert names(category="retired") == set()
    assert names(q="", status="", category="") == _names(tree, ALL)


def test_pagination(client, users, tree, root_user, bearer, settings):
    settings.DANGJIAN = {**settings.DANGJIAN, "MEMBERS_PAGE_SIZE": 3}
    h = bearer(users.admin)
    r = client.get("/api/v1/members", headers=h).json()
    assert (r["count"], len(r["items"]), r["page_size"]) == (4, 3, 3)
    r2 = client.get("/api/v1/members", {"page": 2}, headers=h).json()
    assert len(r2["items"]) == 1
    assert {i["id"] for i in r["items"]} | {i["id"] for i in r2["items"]} == {getattr(tree, k).pk for k in ALL}
    assert client.get("/api/v1/members", {"page": 9}, headers=h).json()["items"] == []
    r = client.get("/api/v1/members", {"page_size": 2, "page": 2}, headers=h).json()
    assert len(r["items"]) == 2 and r["page_size"] == 2


@pytest.mark.parametrize("params,field", [
    ({"page": "abc"}, "page"), ({"page": "0"}, "page"), ({"page_size": "101"}, "page_size"),
    ({"org": "-1"}, "org"), ({"org": "99999999999999999999"}, "org"), ({"org": "x"}, "org"),
    ({"status": "alive"}, "status"), ({"category": "astronaut"}, "category"), ({"q": "x" * 500}, "q"),
])
def test_bad_parameters_are_422_naming_the_field(client, users, bearer, params, field):
    r = client.get("/api/v1/members", params, headers=bearer(users.admin))
    assert r.status_code == 422, r.content
    body = r.json()
    assert body["code"] == "validation_error" and body["field"] == field
    assert field in body["message"]


@pytest.mark.parametrize("bad", ["abc", "0", "-5", "99999999999999999999", "123456789"])
def test_member_detail_bad_or_missing_id(client, users, bearer, bad):
    r = client.get(f"/api/v1/members/{bad}", headers=bearer(users.admin))
    assert r.status_code in (404, 422)
    assert r.json()["code"] in ("not_found", "validation_error")


@pytest.mark.parametrize("n", [5, 60])
def test_member_list_queries_are_bounded(client, users, tree, root_user, bearer, n, django_assert_max_num_queries):
    for i in range(n):
        make_member(tree.branch_a2, f"测试{i:02d}", acting_user=root_user)
    h = bearer(users.organizer)
    client.get("/api/v1/me", headers=h)  # the token's once-a-minute last-used write happens here
    with django_assert_max_num_queries(7):
        r = client.get("/api/v1/members", {"org": tree.town_a.pk, "page_size": 100}, headers=h)
    assert r.status_code == 200
    assert r.json()["count"] == n + 3 and len(r.json()["items"]) == n + 3


_PARAM_NAMES = st.sampled_from(["org", "q", "status", "category", "page", "page_size", "zzz"])
_VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["current", "full", "", "null", "1e9", "NaN", "０１", "١٢٣", "%00", "\x00", "320321",
                     "9223372036854775808", "99999999999999999999", "-1", "0"]),
)


@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(_PARAM_NAMES, _VALUES, max_size=4))
def test_random_query_strings_never_5xx(client, users, tree, params):
    client.force_login(users.organizer)
    r = client.get("/api/v1/members?" + urllib.parse.urlencode(params))
    assert r.status_code in (200, 404, 422), (params, r.status_code)
    body = json.loads(r.content)
    assert ("items" in body) if r.status_code == 200 else ("code" in body and "message" in body)
