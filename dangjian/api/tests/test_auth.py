"""Login, logout, bearer tokens, throttling, sessions, /me."""

from __future__ import annotations

import pytest
from django.test import Client

from dangjian.core.login_throttle import DEFAULT_RATES
from dangjian.core.models import ApiToken
from dangjian.core.ratelimit import parse_rate
from dangjian.testing.fixtures import PASSWORD

from .conftest import login_token

pytestmark = pytest.mark.django_db


def post_login(client: Client, username: str, password: str, **extra: str):
    return client.post("/api/v1/auth/login", {"username": username, "password": password, **extra},
                       content_type="application/json")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_working_token_stored_only_as_digest(client, users):
    token = login_token(client, "secretary-a1")
    stored = ApiToken.objects.get(user=users.secretary)
    assert stored.digest == ApiToken.digest_of(token) and token not in stored.digest
    r = client.get("/api/v1/me", headers=auth(token))
    assert r.status_code == 200
    assert r.json()["username"] == "secretary-a1"


def test_login_does_not_start_a_session(client, users):
    login_token(client, "secretary-a1")
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("username,password", [("secretary-a1", "wrong"), ("nobody-here", PASSWORD)])
def test_bad_credentials_are_401_json(client, users, username, password):
    r = post_login(client, username, password)
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_inactive_user_cannot_log_in(client, users, root_user):
    from dangjian.core.models import User

    User.objects.filter(pk=users.secretary.pk).update(is_active=False)
    assert post_login(client, "secretary-a1", PASSWORD).status_code == 401


def test_login_validation_names_the_field(client, db):
    r = client.post("/api/v1/auth/login", {"username": "x"}, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["field"] == "password"
    r = client.post("/api/v1/auth/login", "{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "bad_request"


def test_logout_revokes_the_token(client, users):
    token = login_token(client, "organizer-a")
    r = client.post("/api/v1/auth/logout", headers=auth(token))
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert ApiToken.objects.get(user=users.organizer).revoked_at is not None
    r = client.get("/api/v1/me", headers=auth(token))
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    assert client.post("/api/v1/auth/logout", headers=auth(token)).status_code == 401


def test_logout_needs_a_token_not_a_session(client, users):
    client.force_login(users.organizer)
    assert client.post("/api/v1/auth/logout").status_code == 401


def test_expired_token_is_rejected(client, users, settings):
    settings.API_TOKEN_TTL_HOURS = 0
    token = login_token(client, "organizer-a")
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Token abc", "Bearer " + "x" * 5000, "Basic Zm9vOmJhcg=="])
def test_bad_authorization_headers_are_401(client, db, header):
    r = client.get("/api/v1/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
    assert r["WWW-Authenticate"].startswith("Bearer")


def test_token_of_deactivated_user_is_rejected(client, users):
    from dangjian.core.models import User

    token = login_token(client, "organizer-a")
    User.objects.filter(pk=users.organizer.pk).update(is_active=False)
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(client, users):
    token = login_token(client, "organizer-a")
    assert ApiToken.objects.get().last_used_at is None
    client.get("/api/v1/me", headers=auth(token))
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get("/api/v1/me", headers=auth(token))
    assert ApiToken.objects.get().last_used_at == first


def limits(settings, **kinds: str) -> None:
    """The failed-login limits of this test; kinds not named keep their built-in default."""
    settings.LOGIN_RATE_LIMITS = {**DEFAULT_RATES, **kinds}


def test_failed_logins_are_rate_limited_per_ip_and_username(client, users, settings):
    limits(settings, pair="3/m")
    for _ in range(3):
        assert post_login(client, "secretary-a1", "wrong").status_code == 401
    r = post_login(client, "secretary-a1", PASSWORD)  # even the right password now waits
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    assert 1 <= int(r["Retry-After"]) <= 60  # until the minute's window ends
    # Another username from the same address, or the same username from elsewhere, is not blocked.
    assert post_login(client, "organizer-a", PASSWORD).status_code == 200
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert post_login(other, "secretary-a1", PASSWORD).status_code == 200


def test_successful_login_resets_the_failure_count(client, users, settings):
    limits(settings, pair="3/m")
    for _ in range(2):
        post_login(client, "secretary-a1", "wrong")
    assert post_login(client, "secretary-a1", PASSWORD).status_code == 200
    for _ in range(2):
        post_login(client, "secretary-a1", "wrong")
    assert post_login(client, "secretary-a1", PASSWORD).status_code == 200


def test_parse_rate():
    assert parse_rate("10/m") == (10, 60)
    assert parse_rate("5/15m") == (5, 900)
    assert parse_rate("100/h") == (100, 3600)
    with pytest.raises(ValueError):
        parse_rate("lots")


def test_mfa_account_needs_a_valid_code(client, users):
    from dangjian.testing.fixtures import activate_totp

    current_code = activate_totp(users.admin)
    r = post_login(client, "county-admin", PASSWORD)
    assert r.status_code == 401
    assert r.json()["code"] == "mfa_required" and r.json()["field"] == "code"
    r = post_login(client, "county-admin", PASSWORD, code="000000")
    assert r.status_code == 401 and r.json()["code"] == "invalid_code"
    r = post_login(client, "county-admin", PASSWORD, code=current_code())
    assert r.status_code == 200, r.content


def test_me_lists_roles_with_organization_ids(client, users, tree, bearer):
    r = client.get("/api/v1/me", headers=bearer(users.secretary))
    assert r.json() == {"username": "secretary-a1", "name": "secretary-a1",
                        "roles": [{"role": "secretary", "org": tree.branch_a1.pk}]}
    r = client.get("/api/v1/me", headers=bearer(users.public))
    assert r.json()["roles"] == [{"role": "public", "org": None}]
    r = client.get("/api/v1/me", headers=bearer(users.nobody))
    assert r.json()["roles"] == []


def test_session_user_may_read(client, users):
    client.force_login(users.secretary)
    assert client.get("/api/v1/me").json()["username"] == "secretary-a1"


def test_bearer_wins_over_a_session_of_someone_else(client, users, bearer):
    headers = bearer(users.organizer)
    client.force_login(users.secretary)
    assert client.get("/api/v1/me", headers=headers).json()["username"] == "organizer-a"


def test_wrong_method_answers_json_405(client, users, bearer):
    r = client.post("/api/v1/me", headers=bearer(users.secretary))
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"
    assert "GET" in r["Allow"]


def test_password_spraying_from_one_address_is_rate_limited(client, users, settings):
    """Regression: failures were counted per (address, username) only, so trying one password
    on many usernames from one address was never throttled."""
    limits(settings)  # the built-in default: 30 per 10 minutes from one address
    for i in range(30):
        assert post_login(client, f"victim-{i}", "Summer2024!").status_code == 401
    r = post_login(client, "victim-30", "Summer2024!")
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    assert 1 <= int(r["Retry-After"]) <= 600
    # The address is blocked for every username, even with the right password ...
    assert post_login(client, "secretary-a1", PASSWORD).status_code == 429
    # ... while other addresses are not.
    assert post_login(Client(REMOTE_ADDR="10.1.2.3"), "secretary-a1", PASSWORD).status_code == 200


def test_address_limit_is_configurable(client, users, settings):
    limits(settings, source="3/m")
    for name in ("a", "b", "c"):
        assert post_login(client, name, "wrong").status_code == 401
    assert post_login(client, "d", "wrong").status_code == 429


def test_one_username_from_many_addresses_is_rate_limited(client, users, settings):
    """Regression: the same account guessed from many addresses was never throttled."""
    limits(settings)  # the built-in default: 50 an hour from addresses the owner never used
    for i in range(50):
        r = post_login(Client(REMOTE_ADDR=f"10.0.{i // 250}.{i % 250 + 1}"), "secretary-a1", "wrong")
        assert r.status_code == 401
    r = post_login(Client(REMOTE_ADDR="192.0.2.99"), "Secretary-A1 ", PASSWORD)  # same account, any spelling
    assert r.status_code == 429
    assert 1 <= int(r["Retry-After"]) <= 3600
    # Other accounts are unaffected.
    assert post_login(Client(REMOTE_ADDR="192.0.2.99"), "organizer-a", PASSWORD).status_code == 200


def test_successful_login_does_not_reset_the_address_counter(client, users, settings):
    limits(settings, source="3/m")
    post_login(client, "victim-1", "wrong")
    post_login(client, "victim-2", "wrong")
    assert post_login(client, "secretary-a1", PASSWORD).status_code == 200  # clears only its own pair
    post_login(client, "victim-3", "wrong")
    assert post_login(client, "secretary-a1", PASSWORD).status_code == 429


def test_an_attacker_cannot_lock_the_owner_out(client, users, settings):
    """Regression: 20 wrong API logins from anywhere blocked the account for everyone."""
    limits(settings)
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        assert post_login(attacker, "secretary-a1", "wrong").status_code == 401
    assert post_login(attacker, "secretary-a1", "guess-6").status_code == 429  # the attacker waits
    for _ in range(20):  # further tries are refused and do not count against the owner
        post_login(attacker, "secretary-a1", "wrong")
    owner = Client(REMOTE_ADDR="198.51.100.7")
    assert post_login(owner, "secretary-a1", PASSWORD).status_code == 200


def test_the_owner_keeps_a_known_address_when_guessed_from_everywhere(users, settings):
    limits(settings, account="5/h")
    owner = Client(REMOTE_ADDR="198.51.100.7")
    assert post_login(owner, "secretary-a1", PASSWORD).status_code == 200
    for i in range(10):
        post_login(Client(REMOTE_ADDR=f"203.0.113.{i + 1}"), "secretary-a1", "wrong")
    # A new address is held by the account's cap; the owner's usual address is not.
    assert post_login(Client(REMOTE_ADDR="192.0.2.50"), "secretary-a1", PASSWORD).status_code == 429
    assert post_login(owner, "secretary-a1", PASSWORD).status_code == 200


def test_login_budget_is_the_configured_one(client, users, settings):
    """Exactly the configured number of wrong passwords is tried; the rest are refused."""
    limits(settings, pair="4/15m")
    codes = [post_login(client, "secretary-a1", "wrong").status_code for _ in range(12)]
    assert codes == [401] * 4 + [429] * 8
