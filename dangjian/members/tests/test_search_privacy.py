"""A full number typed into the member search stays out of URLs (issue 13 §4)."""

from __future__ import annotations

import re

from django.urls import reverse


def test_search_form_posts_without_javascript(client, users):
    client.force_login(users.secretary)
    html = client.get(reverse("members:list")).content.decode()
    form = re.search(r'<form class="filters"[^>]*>.*?</form>', html, re.S).group()
    assert 'method="post"' in form and "csrfmiddlewaretoken" in form


def test_number_typed_with_hyphens_is_not_echoed_into_links(client, users, tree):
    client.force_login(users.secretary)
    full = tree.bob.person.id_number
    typed = "-".join((full[:6], full[6:14], full[14:]))
    response = client.post(reverse("members:list"), {"q": typed, "status": "full"})
    assert response.context["filter_qs"] == "status=full"
    links = " ".join(re.findall(r'(?:href|action|value)="([^"]*[?&][^"]*)"', response.content.decode()))
    assert "page=" in links or "lang=" in links
    assert full[6:14] not in links.replace("-", "")
