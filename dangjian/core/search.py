"""One search box over every module: the search-provider registry.

A module registers what it can find from its ``AppConfig.ready()``::

    register_search_provider("members", _("Members"), find_members, perm="members.view", order=10)

``find(user, q, limit)`` returns up to ``limit`` :class:`SearchHit` that ``user`` may open, scoped
through ``core.scoping`` (the provider applies scope before its limit). ``q`` arrives normalized:
stripped, inner whitespace collapsed, at most ``MAX_QUERY`` characters. The web box sends it by
POST and the app may, so a full ID or phone number never travels in a URL; the access logs mask
long digit runs whatever the method (``core/logredact.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dangjian.core.todos import _strict

log = logging.getLogger(__name__)

MAX_QUERY = 50
PER_KIND = 5


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class SearchProvider:
    kind: str
    label: Any
    find: Callable[[Any, str, int], list[SearchHit]] = field(compare=False)
    perm: str | None = None
    member: bool = False
    order: int = 100


_providers: dict[str, SearchProvider] = {}


def register_search_provider(kind: str, label: Any, find: Callable[[Any, str, int], list[SearchHit]], *,
                             perm: str | None = None, member: bool = False, order: int = 100) -> None:
    _providers[kind] = SearchProvider(kind, label, find, perm, member, order)


def unregister_search_provider(kind: str) -> None:
    _providers.pop(kind, None)


def search_providers() -> list[SearchProvider]:
    return sorted(_providers.values(), key=lambda p: p.order)


def normalize(q: Any) -> str:
    return re.sub(r"\s+", " ", str(q or "")).strip()[:MAX_QUERY]


def _may_use(user: Any, provider: SearchProvider) -> bool:
    from dangjian.core.ownmember import own_member
    from dangjian.core.scoping import has_any

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if provider.perm is not None and not has_any(user, provider.perm):
        return False
    return not (provider.member and own_member(user) is None)


def search_all(user: Any, q: Any, *, limit: int = PER_KIND, kinds: set[str] | None = None) -> list[dict[str, Any]]:
    """``[{"kind", "label", "items": [SearchHit, ...]}]`` — one group per kind with hits, in the
    providers' order. Kinds ``user`` may not use are not asked."""
    query = normalize(q)
    if not query:
        return []
    groups = []
    for provider in search_providers():
        if kinds is not None and provider.kind not in kinds:
            continue
        if not _may_use(user, provider):
            continue
        try:
            hits = list(provider.find(user, query, limit))[:limit]
        except Exception:
            if _strict():
                raise
            log.exception("search provider %s failed", provider.kind)
            continue
        if hits:
            groups.append({"kind": provider.kind, "label": provider.label, "items": hits})
    return groups
