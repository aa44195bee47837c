"""No back-office page is orphaned: every page that needs a sign-in and answers a role is
reachable from that role's navigation by following links, and no navigation entry ends in an
error for a role that sees it.

The walk starts at the workbench and the role's navigation entries and follows same-site links
(GET, a bounded number of pages); the pages to reach are every URL pattern without parameters
that refuses an anonymous visitor and answers the role with 200.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from dangjian.core.navigation import navigation

pytestmark = pytest.mark.django_db

#: Not the back office: the API, Django's and Wagtail's own admins (one entry leads to each),
#: the account pages of allauth (reached from "My account"), files.
OUTSIDE = ("/api/", "/django-admin/", "/cms/", "/accounts/", "/media/", "/static/", "/documents/")
MAX_PAGES = 400
#: Links and form targets (the header's search box is a form).
HREF = re.compile(r'(?:href|action)="([^"#]*)(?:#[^"]*)?"')


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, str]]:
    """(path, view name) of every pattern without parameters."""
    out: list[tuple[str, str]] = []
    for p in resolver.url_patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            if "<" in route or "(?P" in route:
                continue
            ns = f"{p.namespace}:" if p.namespace else ""
            out.extend((path, ns + name if name and ":" not in name else name)
                       for path, name in _patterns(p, prefix + route))
        elif isinstance(p, URLPattern) and p.name and "<" not in route and "(?P" not in route:
            path = "/" + prefix + route.lstrip("^").rstrip("$")
            out.append((path.replace("\\", ""), p.name))
    return out


def back_office_paths(client, *, personal: bool) -> list[str]:
    """Paths that need a sign-in. A person's own pages (their member home, ``…:mine`` pages:
    my activities, my opinions, my application) are left out unless ``personal``: a
    back-office role reaches them as a member or citizen does, from the member home."""
    paths = []
    for path, name in _patterns(get_resolver()):
        if not personal and (name.endswith("mine") or name == "core:member_home"):
            continue
        if path.startswith(OUTSIDE) or not path.endswith("/"):
            continue
        try:
            resolve(path)
        except Resolver404:
            continue
        client.logout()
        anonymous = client.get(path)
        if anonymous.status_code in (302, 401, 403):  # needs a sign-in
            paths.append(path)
    return sorted(set(paths))


def _is_page(response) -> bool:
    """An HTML page (JSON endpoints such as the navigation badges are not pages to reach)."""
    return response.status_code == 200 and "text/html" in response.get("Content-Type", "")


def walk(client, starts: list[str]) -> set[str]:
    """The local paths reached from ``starts`` by following links in HTML pages."""
    seen: set[str] = set()
    queue = deque(starts)
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        if path in seen or path.startswith(OUTSIDE):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode()):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path not in seen:
                queue.append(parts.path)
    return seen


@pytest.mark.parametrize("role", ["admin", "secretary", "handler", "publicity", "member", "public"])
def test_every_back_office_page_is_reachable_from_the_navigation(client, users, role):
    user = getattr(users, role)
    targets = back_office_paths(client, personal=role in ("member", "public"))
    client.force_login(user)
    answering = [p for p in targets if _is_page(client.get(p))]
    entries = [e["url"] for g in navigation(user) for e in g["entries"]]
    reached = walk(client, ["/", *entries])
    orphans = [p for p in answering if p not in reached]
    assert not orphans, f"{role}: pages no navigation entry leads to: {orphans}"


@pytest.mark.parametrize("role", ["admin", "secretary", "organizer", "publicity", "discipline", "handler",
                                  "member", "public", "nobody"])
def test_no_entry_a_role_sees_ends_in_an_error(client, users, role):
    user = getattr(users, role)
    client.force_login(user)
    for group in navigation(user):
        for entry in group["entries"]:
            response = client.get(entry["url"], follow=True)
            final = response.redirect_chain[-1][0] if response.redirect_chain else entry["url"]
            assert response.status_code == 200 and "/accounts/login/" not in final, (
                f"{role} sees {entry['key']} but GET {entry['url']} ends in {response.status_code} at {final}")
