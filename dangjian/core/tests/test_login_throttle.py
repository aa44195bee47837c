"""The failed-login throttle of the web login (and its rules, shared with the API login)."""

from __future__ import annotations

import pytest
from django.test import Client

from dangjian.core.login_throttle import DEFAULT_RATES, LoginThrottled, begin
from dangjian.testing.fixtures import PASSWORD

T0 = 1_800_000_000.0  # the start of an hour


@pytest.fixture(autouse=True)
def fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def limits(settings, **kinds: str) -> None:
    settings.LOGIN_RATE_LIMITS = {**DEFAULT_RATES, **kinds}


def web_login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"login": username, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_wait_grows_with_repeated_failures(settings, db):
    limits(settings, pair="2/m,4/h")
    for _ in range(2):
        begin("203.0.113.9", "secretary-a1", now=T0)
    with pytest.raises(LoginThrottled) as refused:
        begin("203.0.113.9", "secretary-a1", now=T0 + 10)
    assert refused.value.seconds == 50  # the minute's window
    for _ in range(2):
        begin("203.0.113.9", "secretary-a1", now=T0 + 60)
    with pytest.raises(LoginThrottled) as refused:
        begin("203.0.113.9", "secretary-a1", now=T0 + 70)
    assert refused.value.seconds == 3530  # now the hour's


def test_web_attacker_cannot_lock_the_owner_out(users, settings):
    """Regression: 5 wrong web logins from anywhere blocked the account for everyone."""
    limits(settings)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        web_login(attacker, "secretary-a1", "wrong-password")
    response = web_login(attacker, "secretary-a1", PASSWORD)  # the attacker waits, even if right
    assert not logged_in(attacker) and response.context["form"].errors
    owner = Client(REMOTE_ADDR="198.51.100.7")
    web_login(owner, "secretary-a1", PASSWORD)
    assert logged_in(owner)


def test_web_login_budget_is_the_configured_one(users, settings):
    limits(settings, pair="3/m")
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        web_login(client, "secretary-a1", "wrong-password")
    web_login(client, "secretary-a1", PASSWORD)
    assert not logged_in(client)  # the 4th attempt is refused before the password is checked


def test_allauth_per_account_lock_is_off(settings):
    from allauth.account import app_settings

    assert not app_settings.RATE_LIMITS.get("login_failed")
