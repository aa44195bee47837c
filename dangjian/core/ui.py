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

from dangjian.core.hooks import register_nav_entry
from dangjian.core.navigation import bottom_bar, request_navigation
from dangjian.core.ownmember import own_member as own_member
from dangjian.core.roles import STAFF_ROLES
from dangjian.core.scoping import roles_of

# Core's own entries. Other modules add theirs with dangjian.core.hooks.register_nav_entry.
register_nav_entry("core:member_home", _("My party home"), group="mine", icon="home", member=True, order=10)
register_nav_entry("core:todos", _("To-dos"), group="mine", icon="todo", order=12,
                   visible=lambda user: is_staff_user(user), primary=10)
register_nav_entry("notifications:inbox", _("Inbox"), group="mine", icon="inbox", order=15)
register_nav_entry("core:account_list", _("Accounts"), group="system", icon="gear", perm="roles.grant", order=10)
register_nav_entry("workdays:list", _("Working-day calendar"), group="system", icon="calendar",
                   perm="calendar.manage", order=20)

#: Language names in their own language: a reader who cannot read the current one finds theirs.
LANGUAGE_SELF_NAMES = {"zh-hans": "中文", "en": "English"}

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


def is_staff_user(user: Any) -> bool:
    """Works in the back office: holds a role on an organization other than party member."""
    return bool(getattr(user, "is_superuser", False)) or any(
        a.role in STAFF_ROLES and a.organization_id is not None for a in roles_of(user))


def main_nav(request: HttpRequest) -> list[dict[str, Any]]:
    """The grouped navigation of this user (``core.navigation``) for the page shell."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    return request_navigation(request)


def shell_nav(request: HttpRequest) -> dict[str, Any]:
    """What base.html draws: the home link (workbench for staff), the groups, the phone's
    bottom bar and whether this user gets the back office's side bar."""
    user = getattr(request, "user", None)
    home = safe_reverse("core:home") or "/"
    staff = user is not None and user.is_authenticated and is_staff_user(user)
    groups = main_nav(request)
    return {
        "home": {"label": _("Workbench") if staff else _("Home"), "url": home, "current": request.path == home},
        "groups": groups,
        "bar": bottom_bar(groups),
        "staff": staff,
        "search_url": safe_reverse("core:search") if staff else None,
    }


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
