"""What the page shell (base.html) needs: the main navigation, the language switch and the
signed-in user's own member record. Template tags in ``templatetags/dangjian_ui.py`` call these.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.hooks import nav_links, register_nav_link, resolve_own_member
from dangjian.core.scoping import has_any

# Core's own links. Other modules add theirs with dangjian.core.hooks.register_nav_link.
register_nav_link("members:list", _("Members"), perm="members.view", order=20)
register_nav_link("orgs:tree", _("Organizations"), perm="orgs.view", order=30)
register_nav_link("core:member_home", _("My party home"), member=True, order=40)
register_nav_link("notifications:inbox", _("Inbox"), order=50)
register_nav_link("core:account_list", _("Accounts"), perm="roles.grant", order=60)
register_nav_link("workdays:list", _("Working-day calendar"), perm="calendar.manage", order=70)

#: Language names in their own language: a reader who cannot read the current one finds theirs.
LANGUAGE_SELF_NAMES = {"zh-hans": "中文", "en": "English"}

_MISSING = object()
log = logging.getLogger(__name__)


def static_url(path: str) -> str:
    """``static(path)`` for the page shell, which every page renders: when the manifest storage
    has no entry (collectstatic not run) it logs and returns the unhashed URL instead of
    failing every page of the site."""
    try:
        return static(path)
    except ValueError:
        log.warning("static file %s is not in the staticfiles manifest (run collectstatic)", path)
        return f"{settings.STATIC_URL}{path}"


def safe_reverse(url_name: str, *args: Any) -> str | None:
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        return None


def own_member(user: Any) -> Any:
    """The Member record linked to ``user``'s account (via Person.user), or None. Cached on the user.
    The members module provides the lookup (``core.hooks.register_own_member``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cached = user.__dict__.get("_dj_own_member", _MISSING)
    if cached is _MISSING:
        cached = resolve_own_member(user)  # the member registry's lookup (core.hooks)
        user.__dict__["_dj_own_member"] = cached
    return cached


def is_staff_user(user: Any) -> bool:
    """Works in the workbench: holds a role that lets them see members or organizations."""
    return has_any(user, "members.view") or has_any(user, "orgs.view")


def main_nav(request: HttpRequest) -> list[dict[str, Any]]:
    """The links this user may follow, each {"label", "url", "current"}."""
    user = getattr(request, "user", None)
    path = request.path
    home = safe_reverse("core:home") or "/"
    items = [{"label": _("Workbench") if user is not None and is_staff_user(user) else _("Home"),
              "url": home, "current": path == home}]
    if user is None or not user.is_authenticated:
        return items
    for link in nav_links():
        if link.perm is not None and not has_any(user, link.perm):
            continue
        if link.member and own_member(user) is None:
            continue
        url = safe_reverse(link.url_name)
        if url is None:
            continue
        items.append({"label": link.label, "url": url, "current": url != "/" and path.startswith(url)})
    return items


def language_links(request: HttpRequest) -> list[dict[str, Any]]:
    """Links to this same page in each language (``?lang=`` handled by LanguageMiddleware)."""
    current = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    links = []
    for code, _name in settings.LANGUAGES:
        query = request.GET.copy()
        query["lang"] = code
        links.append({
            "code": code,
            "label": LANGUAGE_SELF_NAMES.get(code, code),
            "url": f"{request.path}?{query.urlencode()}",
            "current": code == current,
        })
    return links
