"""The navigation registry: grouped entries that every module registers for itself.

A module calls ``dangjian.core.hooks.register_nav_entry`` from its ``AppConfig.ready()``::

    register_nav_entry("transfers:list", _("Transfers"), group="orgs", icon="transfer",
                       perm="transfers.view", badge="transfers.approve", order=40)

The side bar (desktop), the bottom bar and its "more" sheet (phone) and ``GET /api/v1/me/navigation``
all read :func:`navigation`, so the app and the web show the same thing. An entry is shown only to
the users who can open it: ``perm`` held on some organization (``core.scoping.has_any``),
``member=True`` for users linked to a party member, ``visible(user)`` for any further rule.
An entry's ``badge`` names a to-do source (``core.todos``); its count is the badge.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: Any  # a lazy translation
    order: int
    icon: str = ""


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: Any
    group: str
    icon: str = ""
    order: int = 100
    perm: str | None = None
    member: bool = False
    visible: Callable[[Any], bool] | None = field(default=None, compare=False)
    badge: str | None = None
    #: Rank on the phone's bottom bar (lower first); None keeps the entry in the "more" sheet.
    primary: int | None = None


#: The groups of the back office, in the order of the side bar. ``mine`` holds a user's own
#: pages as a party member, apart from the pages of the organizations they run.
_groups: dict[str, NavGroup] = {}
_entries: dict[str, NavEntry] = {}
#: Bumped by every (un)registration: part of the cache key of the entries a user sees.
_version = [0]
#: Which entries a user sees is kept this long (the key also changes with their roles).
VISIBLE_SECONDS = 60


def register_nav_group(key: str, label: Any, *, order: int, icon: str = "") -> None:
    _groups[key] = NavGroup(key, label, order, icon)


for _key, _label, _order, _icon in (
    ("mine", _("My party life"), 5, "user"),
    ("orgs", _("Organizations and members"), 10, "people"),
    ("dues", _("Party dues"), 20, "money"),
    ("orglife", _("Organizational life"), 30, "calendar"),
    ("learning", _("Learning"), 40, "book"),
    ("publicity", _("Publicity and openness"), 50, "megaphone"),
    ("opinions", _("Opinions and cases"), 60, "chat"),
    ("services", _("Services"), 70, "service"),
    ("supervision", _("Supervision"), 80, "shield"),
    ("statistics", _("Statistics"), 90, "chart"),
    ("system", _("System"), 100, "gear"),
):
    register_nav_group(_key, _label, order=_order, icon=_icon)


def register_nav_entry(
    url_name: str,
    label: Any,
    *,
    group: str,
    icon: str = "",
    order: int = 100,
    perm: str | None = None,
    member: bool = False,
    visible: Callable[[Any], bool] | None = None,
    badge: str | None = None,
    primary: int | None = None,
) -> None:
    """Add (or replace) the entry for ``url_name``. ``group`` must be a registered group."""
    if group not in _groups:
        raise ValueError(f"unknown navigation group {group!r}")
    _entries[url_name] = NavEntry(url_name, label, group, icon, order, perm, member, visible, badge, primary)
    _version[0] += 1


def unregister_nav_entry(url_name: str) -> None:
    _entries.pop(url_name, None)
    _version[0] += 1


def nav_entries() -> list[NavEntry]:
    return sorted(_entries.values(), key=lambda e: (_groups[e.group].order, e.order))


def nav_groups() -> list[NavGroup]:
    return sorted(_groups.values(), key=lambda g: g.order)


def _reverse(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def can_see(user: Any, entry: NavEntry) -> bool:
    """Whether ``user`` may open ``entry`` (the rules above)."""
    from dangjian.core.ownmember import own_member
    from dangjian.core.scoping import has_any

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if entry.perm is not None and not has_any(user, entry.perm):
        return False
    if entry.member and own_member(user) is None:
        return False
    return entry.visible is None or bool(entry.visible(user))


def _visible_key(user: Any) -> str:
    """A cache key that changes with the user's roles and with the registry: a role granted or
    revoked shows at once; a department membership or member link within ``VISIBLE_SECONDS``."""
    from dangjian.core.scoping import roles_of

    roles = ",".join(sorted(f"{a.role}@{a.organization_id}" for a in roles_of(user)))
    sig = f"{user.pk}|{user.date_joined.timestamp()}|{user.is_superuser}|{user.is_active}|{roles}|{_version[0]}"
    return "nav-visible:" + hashlib.sha256(sig.encode()).hexdigest()[:32]


def visible_keys(user: Any) -> set[str]:
    """The URL names of the entries ``user`` may open (cached: the modules' ``visible`` rules
    may query, and the shell draws the navigation on every page)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    key = _visible_key(user)
    keys = cache.get(key)
    if keys is None:
        keys = [e.url_name for e in nav_entries() if can_see(user, e)]
        cache.set(key, keys, VISIBLE_SECONDS)
    return set(keys)


def visible_entries(user: Any) -> list[tuple[NavEntry, str]]:
    """The entries ``user`` may open, with their URLs (unresolvable ones — module not
    installed — are left out), in side-bar order."""
    out = []
    keys = visible_keys(user)
    for entry in nav_entries():
        if entry.url_name not in keys:
            continue
        url = _reverse(entry.url_name)
        if url is not None:
            out.append((entry, url))
    return out


def current_url(path: str, urls: list[str]) -> str | None:
    """The one entry URL a page belongs to: the longest that ``path`` starts with. (A plain
    prefix test marked "My dues" ``/dues/`` current on every branch dues page.)"""
    best = None
    for url in urls:
        if url == "/" and path != "/":
            continue
        under = path == url or path.startswith(url if url.endswith("/") else url + "/")
        if under and (best is None or len(url) > len(best)):
            best = url
    return best


def navigation(user: Any, path: str = "", *, badges: bool = True) -> list[dict[str, Any]]:
    """The groups ``user`` sees, each ``{"key", "label", "icon", "entries": [...], "current"}``
    with entries ``{"key", "label", "url", "icon", "badge", "current", "primary"}``. Groups
    without a visible entry are left out. ``badge`` is the open to-do count of the entry's
    to-do source (None without one, or when ``badges`` is false)."""
    from dangjian.core.todos import counts_for

    pairs = visible_entries(user)
    counts = counts_for(user, {e.badge for e, _url in pairs if e.badge}) if badges else {}
    current = current_url(path, [url for _e, url in pairs]) if path else None
    groups: dict[str, dict[str, Any]] = {}
    for entry, url in pairs:
        group = _groups[entry.group]
        box = groups.setdefault(group.key, {"key": group.key, "label": group.label, "icon": group.icon,
                                            "entries": [], "current": False, "badge": 0})
        badge = counts.get(entry.badge) if entry.badge else None
        is_current = url == current
        box["entries"].append({"key": entry.url_name, "label": entry.label, "url": url,
                               "icon": entry.icon or group.icon, "badge": badge, "current": is_current,
                               "primary": entry.primary, "has_badge": entry.badge is not None})
        box["current"] = box["current"] or is_current
        box["badge"] += badge or 0
    return list(groups.values())


def badge_counts(user: Any) -> dict[str, dict[str, int]]:
    """The badges of ``user``'s navigation: ``{"entries": {url name: n}, "groups": {key: n}}``
    (only entries with a to-do source; counts cached ``todos.BADGE_SECONDS``)."""
    groups = navigation(user, badges=True)
    return {
        "entries": {e["key"]: e["badge"] or 0 for g in groups for e in g["entries"] if e["has_badge"]},
        "groups": {g["key"]: g["badge"] for g in groups if any(e["has_badge"] for e in g["entries"])},
    }


def bottom_bar(groups: list[dict[str, Any]], size: int = 3) -> list[dict[str, Any]]:
    """The phone's bottom bar: the ``size`` entries with the best ``primary`` rank among those
    the user sees (the shell adds the workbench before them and "more" after)."""
    ranked = [e for g in groups for e in g["entries"] if e["primary"] is not None]
    ranked.sort(key=lambda e: e["primary"])
    return ranked[:size]


def request_navigation(request: HttpRequest) -> list[dict[str, Any]]:
    """:func:`navigation` for the page shell, computed once per request, without badges: the
    page fetches them afterwards (``core:nav_badges``), so no page pays for counting to-dos."""
    cached = getattr(request, "_dj_navigation", None)
    if cached is None:
        cached = navigation(getattr(request, "user", None), request.path, badges=False)
        request._dj_navigation = cached  # type: ignore[attr-defined]
    return cached
