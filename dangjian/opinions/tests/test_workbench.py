"""Opinions on the workbench: the routing to-do, search (no phone), the card, entries, recent."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from dangjian.cases.actions import do_create_department
from dangjian.core.models import RecentItem
from dangjian.core.navigation import navigation
from dangjian.core.roles import Role
from dangjian.core.search import search_all
from dangjian.core.todos import forget_counts, todos_for
from dangjian.opinions.actions import do_assign_opinion, do_submit_opinion
from dangjian.opinions.tests.helpers import PHONE, opinion_data
from dangjian.opinions.workbench import workbench_cards
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db


def refs(user: Any) -> list[str]:
    forget_counts(user)
    return [t.ref for t in todos_for(user, sources=["opinions.route"]).items]


def submit(tree: Any, **extra: Any) -> Any:
    return do_submit_opinion(opinion_data(place=tree.branch_a1.pk, **extra), [], acting_user=AnonymousUser())


def test_received_opinion_waits_for_routing_until_assigned(tree: Any, users: Any, root_user: Any) -> None:
    opinion = submit(tree)
    town_b_admin = make_user("town-b-admin", Role.COUNTY_ADMIN, tree.town_b, acting_user=root_user)
    assert refs(users.admin) == [f"opinion:{opinion.pk}"]
    item = todos_for(users.admin, sources=["opinions.route"]).items[0]
    assert item.url == f"/opinions/staff/{opinion.pk}/" and item.due is not None
    # another town's administrator, a secretary (cannot hand it on), a member: nothing
    for other in (town_b_admin, users.secretary, users.member, users.handler):
        assert refs(other) == []
    dept = do_create_department({"name": "县住建局", "organization": tree.county}, acting_user=users.admin)
    do_assign_opinion(opinion, lead_department=dept, acting_user=users.admin)
    assert refs(users.admin) == []


def test_search_by_number_and_title_never_shows_the_phone(tree: Any, users: Any) -> None:
    opinion = submit(tree, title="公交站台缺遮雨棚")

    def hits(user: Any, q: str) -> list[Any]:
        return [h for g in search_all(user, q) if g["kind"] == "opinions" for h in g["items"]]
    found = hits(users.admin, opinion.tracking_no)
    assert [h.title for h in found] == [f"{opinion.tracking_no} 公交站台缺遮雨棚"]
    assert PHONE not in found[0].detail and PHONE[-4:] not in found[0].detail and "张" not in found[0].detail
    assert [h.title for h in hits(users.secretary, "遮雨棚")] == [f"{opinion.tracking_no} 公交站台缺遮雨棚"]
    for other in (users.member, users.handler, users.nobody):
        assert hits(other, "遮雨棚") == []
    other_branch = do_submit_opinion(opinion_data(title="乙镇遮雨棚", place=tree.branch_b1.pk), [],
                                     acting_user=AnonymousUser())
    assert other_branch.tracking_no not in [h.title.split()[0] for h in hits(users.secretary, "遮雨棚")]


def test_card_counts_opinions_awaiting_an_answer(tree: Any, users: Any, client: Client) -> None:
    submit(tree)
    request = RequestFactory().get("/")
    request.user = users.admin
    (card,) = workbench_cards(request)
    assert card["value"] == 1
    client.force_login(users.admin)
    assert client.get(card["url"]).status_code == 200
    request.user = users.secretary
    assert workbench_cards(request) == []


def test_every_visible_opinion_entry_opens_and_detail_is_recent(tree: Any, users: Any, client: Client) -> None:
    opinion = submit(tree)
    for user in (users.admin, users.secretary, users.organizer, users.publicity, users.discipline, users.handler,
                 users.member, users.public, users.nobody):
        client.force_login(user)
        for group in navigation(user, badges=False):
            for entry in group["entries"]:
                if entry["key"].startswith(("opinions:", "forum:")):
                    assert client.get(entry["url"]).status_code == 200, (user.username, entry["key"])
    client.force_login(users.secretary)
    assert client.get(f"/opinions/staff/{opinion.pk}/").status_code == 200
    assert RecentItem.objects.filter(user=users.secretary, kind="opinion").count() == 1
