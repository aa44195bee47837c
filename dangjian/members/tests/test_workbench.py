"""The member registry, organizations, development, transfers and lifecycle on the workbench:
navigation entries each role can open, the members search provider, recent items."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.core.navigation import navigation
from dangjian.core.search import search_all
from dangjian.core.workbench import recent_items
from dangjian.members.selectors import access_member
from dangjian.testing.navigation import entries_of, open_visible_entries

pytestmark = pytest.mark.django_db

#: This group's entries (orgs, members and the members/* sub-apps) and their to-do badges.
ENTRIES = {
    "orgs:tree": None,
    "members:list": None,
    "development:dashboard": "development.due",
    "transfers:list": "transfers.approve",
    "lifecycle:floating": "lifecycle.report",
    "lifecycle:requests": "lifecycle.decide",
}


def _entries(user: Any) -> dict[str, dict[str, Any]]:
    return entries_of(user, ENTRIES.__contains__)


def test_every_entry_a_role_sees_opens(client: Any, users: Any) -> None:
    seen = open_visible_entries(client, users, ENTRIES.__contains__)
    # the secretary reaches all of them; a member, a citizen, a user without a role none
    assert all("secretary" in roles for roles in seen.values()) and set(seen) == set(ENTRIES)
    assert not any(r in roles for roles in seen.values() for r in ("member", "public", "nobody", "handler"))


def test_entries_are_grouped_with_their_badges_and_phone_ranks(users: Any) -> None:
    groups = {g["key"]: g for g in navigation(users.secretary)}
    entries = _entries(users.secretary)
    assert {e["key"] for e in groups["orgs"]["entries"]} >= set(ENTRIES)
    for key, badge in ENTRIES.items():
        assert (entries[key]["badge"] is not None) == (badge is not None), key
    assert entries["members:list"]["primary"] is not None and entries["transfers:list"]["primary"] is not None


def test_secretary_finds_a_member_of_the_branch_by_initials_never_another_branch(tree: Any, users: Any,
                                                                               django_assert_max_num_queries: Any) -> None:
    [group] = search_all(users.secretary, "zal", kinds={"members"})
    [hit] = group["items"]
    assert hit.title == "张爱丽" and hit.url == f"/members/{tree.alice.pk}/" and tree.branch_a1.name in hit.detail
    # 赵大伟 (zdw) is in branch_b1: the county finds him, the branch_a1 secretary does not
    assert search_all(users.secretary, "zdw", kinds={"members"}) == []
    assert search_all(users.secretary, "zhaodawei", kinds={"members"}) == []
    assert [h.title for h in search_all(users.admin, "zdw", kinds={"members"})[0]["items"]] == ["赵大伟"]
    # a member has no back-office search
    assert search_all(users.member, "zal") == []
    with django_assert_max_num_queries(3):
        search_all(users.admin, "z", kinds={"members"})


def test_full_id_number_finds_exactly_for_who_may_see_it_and_never_shows_it(tree: Any, users: Any) -> None:
    alice = access_member(users.admin, tree.alice.pk)
    id_number, phone = alice.person.id_number, alice.person.phone
    for q in (id_number, phone):
        [group] = search_all(users.secretary, q, kinds={"members"})
        [hit] = group["items"]
        assert hit.title == "张爱丽"
        for secret in (id_number, phone, id_number[-4:], phone[-4:], alice.person.id_number_masked):
            assert secret not in hit.detail
    # the organizer may not see full numbers: a full number confirms nothing to them
    assert search_all(users.organizer, id_number, kinds={"members"}) == []
    # another branch's secretary never
    dave = access_member(users.admin, tree.dave.pk)
    assert search_all(users.secretary, dave.person.id_number, kinds={"members"}) == []


def test_member_and_org_pages_are_recent_items(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    assert client.get(f"/members/{tree.alice.pk}/").status_code == 200
    assert client.get(f"/orgs/{tree.branch_a1.pk}/").status_code == 200
    recent = {r.path: (r.kind, r.title) for r in recent_items(users.secretary)}
    assert recent[f"/members/{tree.alice.pk}/"] == ("member", "张爱丽")
    assert recent[f"/orgs/{tree.branch_a1.pk}/"] == ("organization", tree.branch_a1.name)
