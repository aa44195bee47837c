"""The member's page offers "start a transfer" (and the lifecycle buttons) to users who may act."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _page(client: Any, user: Any, member: Any) -> str:
    client.force_login(user)
    response = client.get(reverse("members:detail", args=[member.pk]), {"lang": "en"})
    assert response.status_code == 200
    return response.content.decode()


def test_secretary_sees_the_module_buttons_for_a_member_in_scope(client: Any, tree: Any, users: Any) -> None:
    html = _page(client, users.secretary, tree.alice)
    assert f'{reverse("transfers:start")}?member={tree.alice.pk}' in html
    assert f'{reverse("lifecycle:issue")}?member={tree.alice.pk}' in html
    assert f'{reverse("lifecycle:propose")}?member={tree.alice.pk}' in html


def test_member_on_their_own_page_sees_none(client: Any, tree: Any, users: Any) -> None:
    html = _page(client, users.member, tree.alice)
    assert reverse("transfers:start") not in html
    assert reverse("lifecycle:issue") not in html


def test_the_start_form_comes_with_the_member_chosen(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    response = client.get(reverse("transfers:start"), {"member": tree.alice.pk})
    assert response.status_code == 200
    assert f'<option value="{tree.alice.pk}" selected>' in response.content.decode()
