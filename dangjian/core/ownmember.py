"""The party-member record of a signed-in user: the member registry says how to find it
(``core.hooks.register_own_member``); :func:`own_member` caches the answer on the user object.
Its own module so that the registries (navigation, to-dos, search) can ask without importing
the hook table that re-exports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OwnMemberResolver = Callable[[Any], Any]

_own_member_resolvers: list[OwnMemberResolver] = []


def register_own_member(resolver: OwnMemberResolver) -> OwnMemberResolver:
    """The member registry says how to find the party-member record linked to a signed-in user:
    ``resolver(user)`` → the record or None (one query). ``own_member`` caches it."""
    if resolver not in _own_member_resolvers:
        _own_member_resolvers.append(resolver)
    return resolver


def resolve_own_member(user: Any) -> Any:
    """The first resolver's non-None answer for ``user`` (None without a member registry)."""
    for resolver in list(_own_member_resolvers):
        member = resolver(user)
        if member is not None:
            return member
    return None



_MISSING = object()


def own_member(user: Any) -> Any:
    """The Member record linked to ``user``'s account, or None. Cached on the user."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = user.__dict__.get("_dj_own_member", _MISSING)
    if cached is _MISSING:
        cached = resolve_own_member(user)
        user.__dict__["_dj_own_member"] = cached
    return cached
