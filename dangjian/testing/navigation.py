"""Test helper for a module's navigation entries (issue 14): every entry a role sees must open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dangjian.core.navigation import navigation

#: The roles of ``testing.fixtures.users``.
ROLES = ("admin", "secretary", "organizer", "publicity", "discipline", "handler", "member", "public", "nobody")


def entries_of(user: Any, wanted: Callable[[str], bool], path: str = "") -> dict[str, dict[str, Any]]:
    """``user``'s navigation entries whose URL name ``wanted`` accepts, by URL name."""
    return {e["key"]: e for g in navigation(user, path) for e in g["entries"] if wanted(e["key"])}


def open_visible_entries(client: Any, users: Any, wanted: Callable[[str], bool],
                         roles: tuple[str, ...] = ROLES) -> dict[str, set[str]]:
    """Sign in as each role and GET every entry it sees (asserting 200: no entry ends in a 403).
    Returns ``{url name: roles that see it}``."""
    seen: dict[str, set[str]] = {}
    for role in roles:
        user = getattr(users, role)
        client.force_login(user)
        for key, entry in entries_of(user, wanted).items():
            seen.setdefault(key, set()).add(role)
            response = client.get(entry["url"])
            assert response.status_code == 200, (role, key, response.status_code)
    return seen
