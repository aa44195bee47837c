"""core.ratelimit on every cache backend the project supports: exact windows, refused attempts
not counted, atomic under concurrency. The Redis case runs against REDIS_URL (default
redis://127.0.0.1:6379/0, running on the development machines and in CI); where no Redis answers
it is skipped with that reason, except under CI, where it fails."""

from __future__ import annotations

import os
import threading
import uuid

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings

from dangjian.core import ratelimit
from dangjian.core.models import RateCounter

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
T0 = 1_800_000_000.0  # the start of a minute (and of an hour)


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["locmem", "file", "database", "redis"])
def backend(request, db, tmp_path):
    kind = request.param
    prefix = f"rl-test-{uuid.uuid4().hex}"
    if kind == "locmem":
        conf = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix}
    elif kind == "file":
        conf = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    elif kind == "database":
        conf = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "rl_test_cache"}
    else:
        if not _redis_reachable():
            if os.environ.get("CI"):
                pytest.fail(f"Redis is not reachable at {REDIS_URL} (CI must provide it)")
            pytest.skip(f"Redis is not reachable at {REDIS_URL}: the Redis case did not run")
        conf = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}
    # Restored when this fixture ends, before the database of the test goes away.
    with override_settings(CACHES={"default": conf}):
        if kind == "database":
            call_command("createcachetable", verbosity=0)
        yield kind
        if kind in {"locmem", "file"}:
            caches["default"].clear()


def test_a_window_is_exactly_its_period_long(backend, db):
    assert ratelimit.consume("k", 2, 60, now=T0) is None
    assert ratelimit.consume("k", 2, 60, now=T0 + 1) is None
    assert ratelimit.consume("k", 2, 60, now=T0 + 30) == 30  # refused until the window ends
    assert ratelimit.consume("k", 2, 60, now=T0 + 59.5) == 1
    assert ratelimit.consume("k", 2, 60, now=T0 + 60) is None  # a new window, not a day later


def test_refused_attempts_are_not_counted(backend, db):
    assert ratelimit.consume("k", 2, 60, now=T0) is None
    assert ratelimit.consume("k", 2, 60, now=T0) is None
    for second in range(10):
        assert ratelimit.consume("k", 2, 60, now=T0 + second) is not None
    ratelimit.give_back("k", 60, now=T0 + 11)  # one slot returns: exactly one more attempt
    assert ratelimit.consume("k", 2, 60, now=T0 + 12) is None
    assert ratelimit.consume("k", 2, 60, now=T0 + 13) is not None


def test_file_and_database_caches_count_in_the_database(backend, db):
    ratelimit.consume("k", 2, 60, now=T0)
    assert RateCounter.objects.exists() == (backend in {"file", "database"})


@pytest.mark.django_db(transaction=True)
def test_thirty_concurrent_attempts_let_exactly_the_limit_through(backend):
    barrier = threading.Barrier(30)
    results: list[int | None] = []
    errors: list[BaseException] = []

    def attempt() -> None:
        from django.db import connection

        try:
            barrier.wait()
            results.append(ratelimit.consume("burst", 10, 60, now=T0))
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
    assert results.count(None) == 10 and len(results) == 30


def test_peek_reads_the_current_window_without_taking(backend, db):
    assert ratelimit.peek("p", 60, now=T0) == 0
    ratelimit.consume("p", 5, 60, now=T0)
    ratelimit.consume("p", 5, 60, now=T0 + 1)
    assert ratelimit.peek("p", 60, now=T0 + 2) == 2
    assert ratelimit.peek("p", 60, now=T0 + 2) == 2  # reading took nothing
    assert ratelimit.peek("p", 60, now=T0 + 60) == 0  # the next window


def test_take_once_is_true_only_the_first_time(backend, db):
    assert ratelimit.take_once("token-a", 600, now=T0) is True
    assert ratelimit.take_once("token-a", 600, now=T0 + 1) is False
    assert ratelimit.take_once("token-a", 600, now=T0 + 599) is False
    assert ratelimit.take_once("token-b", 600, now=T0 + 2) is True
