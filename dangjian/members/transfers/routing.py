"""Route computation (DOMAIN.md §7): the member's branch → up to the lowest committee authorized
to send → across to the receiving committee → down to the receiving branch.

``compute_route`` is a pure function over two ancestor chains; ``route_for`` loads the chains
(one query each) and calls it.

Authority: ``orgs.Organization`` has no field saying whether an organization may approve
probationary members, so a party committee or working committee (``OrgKind.COMMITTEE`` /
``WORKING_COMMITTEE``) is taken as authorized, and the *lowest* such ancestor of a branch is its
sending (or receiving) committee. A tree without any committee above the branch falls back to
the root of its chain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dangjian.orgs import OrgKind
from dangjian.orgs.models import Organization

AUTHORIZED_KINDS = frozenset({OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE})


@dataclass(frozen=True)
class Node:
    id: int
    kind: str


@dataclass(frozen=True)
class Route:
    """``ids``: organizations in approval order. ``sending``/``receiving``: the committees (the
    receiving one is None for a target outside the platform). Hops after ``sending_index`` are on
    the receiving side: they accept the letter."""

    ids: list[int]
    sending: int
    receiving: int | None
    sending_index: int


def is_authorized(node: Node) -> bool:
    return node.kind in AUTHORIZED_KINDS


def _authority_index(chain: Sequence[Node], authorized: Callable[[Node], bool]) -> int:
    for i in range(len(chain) - 1, -1, -1):
        if authorized(chain[i]):
            return i
    return 0


def compute_route(from_chain: Sequence[Node], to_chain: Sequence[Node] | None,
                  authorized: Callable[[Node], bool] = is_authorized) -> Route:
    """``from_chain``/``to_chain``: the ancestors of the member's branch / the receiving branch,
    root first, the branch itself last. ``to_chain`` None: a target outside the platform."""
    if not from_chain:
        raise ValueError("empty chain")
    s = _authority_index(from_chain, authorized)
    up = [n.id for n in reversed(from_chain[s:])]
    sending = from_chain[s].id
    if to_chain is None:
        return Route(ids=up, sending=sending, receiving=None, sending_index=len(up) - 1)
    if not to_chain:
        raise ValueError("empty chain")
    r = _authority_index(to_chain, authorized)
    down = [n.id for n in to_chain[r:]]
    receiving = to_chain[r].id
    ids = up + down[1:] if receiving == sending else up + down
    return Route(ids=ids, sending=sending, receiving=receiving, sending_index=len(up) - 1)


def chain_for(org: Organization) -> list[Node]:
    """``org``'s ancestors and itself, root first (one query)."""
    step = Organization.steplen
    paths = [org.path[: i * step] for i in range(1, org.depth + 1)]
    rows = Organization.objects.filter(path__in=paths).order_by("depth").values_list("pk", "kind")
    return [Node(pk, kind) for pk, kind in rows]


def route_for(from_org: Organization, to_org: Organization | None) -> Route:
    return compute_route(chain_for(from_org), chain_for(to_org) if to_org is not None else None)
