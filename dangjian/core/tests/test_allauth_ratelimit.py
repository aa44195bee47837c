"""allauth's own rate limits (ACCOUNT_RATE_LIMITS) are counted by core.ratelimit: exact fixed
windows, atomic on the file and database caches, refused attempts not counted, a clear 429 page
in the user's language. Exercised through allauth's password-reset page ("reset_password":
20/m/ip and 5/m per e-mail address by default)."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from dangjian.core import allauth_ratelimit
from dangjian.core.models import RateCounter

T0 = 1_800_000_000.0  # the start of a minute


@pytest.fixture(params=["file", "database", "locmem"])
def backend(request: Any, db: Any, tmp_path: Any) -> Any:
    kind = request.param
    if kind == "file":
        conf = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    elif kind == "database":
        conf = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "allauth_rl_test_cache"}
    else:
        conf = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    with override_settings(CACHES={"default": conf}):
        if kind == "database":
            call_command("createcachetable", verbosity=0)
        yield kind
        if kind in {"locmem", "file"}:
            caches["default"].clear()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    fake = Clock(T0)
    monkeypatch.setattr(allauth_ratelimit, "time", fake)
    return fake


def _reset(client: Client, email: str, **extra: Any) -> Any:
    return client.post(reverse("account_reset_password"), {"email": email}, **extra)


def test_installed_in_place_of_allauths_own() -> None:
    from allauth.core import ratelimit as public
    from allauth.core.internal import ratelimit as internal

    assert allauth_ratelimit.installed()
    assert internal.consume is allauth_ratelimit.consume and internal.clear is allauth_ratelimit.clear
    assert public._impl is internal  # allauth.core.ratelimit asks the patched module at call time


@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_password_resets_let_exactly_the_budget_through(backend: str, clock: Clock) -> None:
    # A fixed clock: thirty requests on a loaded machine could otherwise straddle a minute's end.
    barrier = threading.Barrier(30)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        from django.db import connection

        try:
            barrier.wait()
            statuses.append(_reset(Client(), "nobody@example.org").status_code)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(statuses) == [302] * 5 + [429] * 25  # 5 per minute for one address, not 6, not 4
    if backend in {"file", "database"}:  # no atomic incr: the counters are rows, taken by one UPDATE
        assert RateCounter.objects.filter(key__startswith="dangjian:allauth:reset_password:").exists()


def test_refused_attempts_are_not_counted_and_the_window_ends_exactly(backend: str, clock: Clock) -> None:
    client = Client()
    for _ in range(5):
        assert _reset(client, "a@example.org").status_code == 302
    clock.now = T0 + 10
    for _ in range(20):  # refused: none of these counts, for the address or for the client
        assert _reset(client, "a@example.org").status_code == 429
    for i in range(15):  # the client's 20/m: 5 taken above, 15 left, the refusals took none
        assert _reset(client, f"other{i}@example.org").status_code == 302
    assert _reset(client, "b@example.org").status_code == 429
    clock.now = T0 + 59.9
    assert _reset(client, "a@example.org").status_code == 429
    clock.now = T0 + 60  # a new window, exactly a minute after the first
    assert _reset(client, "a@example.org").status_code == 302


def test_a_refusal_is_a_clear_page_with_the_wait_not_a_500(db: Any, clock: Clock) -> None:
    client = Client()
    for _ in range(5):
        _reset(client, "c@example.org")
    clock.now = T0 + 15
    response = _reset(client, "c@example.org")
    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    page = response.content.decode()
    assert "尝试次数过多" in page and "45 秒后再试" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switcher's choice
    english = _reset(client, "c@example.org")
    assert english.status_code == 429
    assert "Too many attempts" in english.content.decode()
    assert "Try again in 45 seconds." in english.content.decode()


def test_a_rollback_gives_the_slots_back_and_clear_forgets_the_window(db: Any, clock: Clock, rf: Any) -> None:
    request = rf.post("/accounts/password/reset/", REMOTE_ADDR="10.0.0.9")
    taken = [allauth_ratelimit.consume(request, app="allauth.account", action="reset_password", key="d@x")
             for _ in range(5)]
    assert all(taken)
    assert allauth_ratelimit.consume(request, app="allauth.account", action="reset_password", key="d@x") is None
    first = taken[0]
    assert first is not None
    first.rollback()  # e.g. the attempt turned out not to count
    assert allauth_ratelimit.consume(request, app="allauth.account", action="reset_password", key="d@x")
    assert allauth_ratelimit.consume(request, app="allauth.account", action="reset_password", key="d@x") is None
    allauth_ratelimit.clear(request, app="allauth.account", action="reset_password", key="d@x")
    assert allauth_ratelimit.consume(request, app="allauth.account", action="reset_password", key="d@x")
    # a dry run only asks: it leaves nothing counted
    get = rf.get("/")
    assert allauth_ratelimit.consume(get, app="allauth.account", action="reset_password", key="e@x")  # GETs free
    for _ in range(10):
        assert allauth_ratelimit.consume(request, app="allauth.account", action="reset_password", key="e@x",
                                         dry_run=True)
