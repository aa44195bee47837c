"""The scope matrix at the selector level: each role × in-scope and out-of-scope objects.

The same matrix is exercised through pages (members/orgs test_views), exports (test_excel) and the
API (api tests)."""

import pytest
from django.db.models import Q
from django.http import Http404

from dangjian.core.scoping import minimal_paths, subtree_q
from dangjian.members.selectors import access_member, members_for
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import access_org, orgs_for

# who → members visible, organizations visible
EXPECTED = {
    "admin": ({"alice", "bob", "carol", "dave"}, {"county", "town_a", "town_b", "branch_a1", "branch_a2", "branch_b1"}),
    "secretary": ({"alice", "bob"}, {"branch_a1"}),
    "organizer": ({"alice", "bob", "carol"}, {"town_a", "branch_a1", "branch_a2"}),
    "publicity": (set(), {"town_a", "branch_a1", "branch_a2"}),
    "discipline": ({"alice", "bob", "carol"}, {"town_a", "branch_a1", "branch_a2"}),
    "handler": (set(), set()),
    "member": ({"alice"}, set()),
    "public": (set(), set()),
    "nobody": (set(), set()),
}
MEMBERS = ("alice", "bob", "carol", "dave")
ORGS = ("county", "town_a", "town_b", "branch_a1", "branch_a2", "branch_b1")


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_scope_matrix(users, tree, who):
    user = getattr(users, who)
    want_members, want_orgs = EXPECTED[who]
    assert {m.person.name for m in members_for(user)} == {getattr(tree, n).person.name for n in want_members}
    assert {o.pk for o in orgs_for(user)} == {getattr(tree, n).pk for n in want_orgs}
    for name in MEMBERS:
        member = getattr(tree, name)
        if name in want_members:
            assert access_member(user, member.pk) == member
        else:
            with pytest.raises(Http404):
                access_member(user, member.pk)
    for name in ORGS:
        org = getattr(tree, name)
        if name in want_orgs:
            assert access_org(user, org.pk) == org
        else:
            with pytest.raises(Http404):
                access_org(user, org.pk)


def test_anonymous_sees_nothing(tree):
    from django.contrib.auth.models import AnonymousUser

    assert not members_for(AnonymousUser()).exists()
    with pytest.raises(Http404):
        access_member(AnonymousUser(), tree.alice.pk)


def test_garbage_ids_are_not_found(users):
    for bad in ("abc", None, -1, 10**30):
        with pytest.raises(Http404):
            access_member(users.admin, bad)


def test_inactive_user_loses_scope(users, tree):
    users.admin.is_active = False
    assert not members_for(users.admin).exists()


def test_minimal_paths():
    assert minimal_paths(["0001", "00010002", "0002", "00020003"]) == ["0001", "0002"]


def test_subtree_range_matches_prefix(tree):
    for org in Organization.objects.all():
        by_range = set(Organization.objects.filter(subtree_q(org.path)).values_list("pk", flat=True))
        by_prefix = set(Organization.objects.filter(Q(path__startswith=org.path)).values_list("pk", flat=True))
        assert by_range == by_prefix
