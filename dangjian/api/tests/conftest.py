from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from dangjian.testing.fixtures import PASSWORD


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """The login throttle lives in the cache; start every test with it empty."""
    cache.clear()
    yield
    cache.clear()


def login_token(client: Client, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/login", {"username": username, "password": password},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def bearer(client: Client) -> Callable[[Any], dict[str, str]]:
    """bearer(user) → headers for client.get(..., headers=...) after a real API login."""
    def make(user: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {login_token(client, user.username)}"}
    return make
