"""Route computation on awkward trees (pure function, plus the loader on a real tree)."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.members.transfers.routing import Node, compute_route, route_for
from dangjian.orgs.actions import do_create_organization

C, W, G, B = "committee", "working_committee", "general_branch", "branch"


def chain(*nodes: tuple[int, str]) -> list[Node]:
    return [Node(i, k) for i, k in nodes]


COUNTY = (1, C)
TOWN_A = (2, C)
TOWN_B = (3, C)


def test_same_committee_meets_once() -> None:
    r = compute_route(chain(COUNTY, TOWN_A, (10, B)), chain(COUNTY, TOWN_A, (11, B)))
    assert r.ids == [10, 2, 11]
    assert r.sending == r.receiving == 2 and r.sending_index == 1


def test_different_committees_same_county_go_across_not_via_the_county() -> None:
    r = compute_route(chain(COUNTY, TOWN_A, (10, B)), chain(COUNTY, TOWN_B, (20, B)))
    assert r.ids == [10, 2, 3, 20]
    assert (r.sending, r.receiving, r.sending_index) == (2, 3, 1)


def test_different_counties() -> None:
    r = compute_route(chain((1, C), (2, C), (10, B)), chain((100, C), (200, C), (300, G), (301, B)))
    assert r.ids == [10, 2, 200, 300, 301]


def test_general_branch_is_climbed_to_the_committee() -> None:
    r = compute_route(chain(COUNTY, TOWN_A, (30, G), (31, B)), chain(COUNTY, TOWN_A, (10, B)))
    assert r.ids == [31, 30, 2, 10]
    assert r.sending_index == 2


def test_branch_directly_under_the_county() -> None:
    r = compute_route(chain(COUNTY, (40, B)), chain(COUNTY, TOWN_B, (20, B)))
    assert r.ids == [40, 1, 3, 20]
    assert r.sending == 1 and r.receiving == 3


def test_into_a_branch_directly_under_the_county() -> None:
    r = compute_route(chain(COUNTY, TOWN_A, (10, B)), chain(COUNTY, (40, B)))
    assert r.ids == [10, 2, 1, 40]


def test_working_committee_is_authorized() -> None:
    r = compute_route(chain(COUNTY, (50, W), (51, B)), chain(COUNTY, (50, W), (52, B)))
    assert r.ids == [51, 50, 52]


def test_external_target_stops_at_the_sending_committee() -> None:
    r = compute_route(chain(COUNTY, TOWN_A, (30, G), (31, B)), None)
    assert r.ids == [31, 30, 2]
    assert r.receiving is None and r.sending_index == 2


def test_no_committee_falls_back_to_the_root() -> None:
    r = compute_route(chain((60, G), (61, B)), chain((60, G), (62, B)))
    assert r.ids == [61, 60, 62]


def test_empty_chain_refused() -> None:
    with pytest.raises(ValueError):
        compute_route([], None)


def test_route_for_loads_the_tree(tree: Any, root_user: Any) -> None:
    r = route_for(tree.branch_a1, tree.branch_b1)
    assert r.ids == [tree.branch_a1.pk, tree.town_a.pk, tree.town_b.pk, tree.branch_b1.pk]
    direct = do_create_organization(tree.county, {"name": "县直机关党支部", "kind": "branch"}, acting_user=root_user)
    assert route_for(direct, tree.branch_a2).ids == [direct.pk, tree.county.pk, tree.town_a.pk, tree.branch_a2.pk]
