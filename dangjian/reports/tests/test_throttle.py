"""The reporters' throttle on every cache the project runs with: counts are shared by every process
(in the cache, or the ``RateCounter`` table where the cache has no atomic increment), windows are
exact, a proof works once, wrong codes slow a client down — and no stored key holds or repeats a
client address."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from dangjian.core.models import RateCounter
from dangjian.reports import throttle
from dangjian.reports.tests.conftest import proof

pytestmark = pytest.mark.django_db
T0 = 1_800_000_000.0  # the start of an hour
IP = "203.0.113.77"


@pytest.fixture(params=["locmem", "file", "database"])
def backend(request: Any, tmp_path: Any) -> Iterator[str]:
    kind = request.param
    if kind == "locmem":
        conf = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    elif kind == "file":
        conf = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
    else:
        conf = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "reports_test_cache"}
    with override_settings(CACHES={"default": conf}):
        if kind == "database":
            call_command("createcachetable", verbosity=0)
        yield kind
        if kind != "database":
            caches["default"].clear()


def _stored_keys(kind: str) -> str:
    """Every counter name stored, wherever this backend keeps them."""
    if kind == "locmem":
        return " ".join(caches["default"]._cache.keys())  # type: ignore[attr-defined]
    return " ".join(RateCounter.objects.values_list("key", flat=True))


def test_submit_rate_counts_exact_windows_in_the_shared_store(backend: str, settings: Any) -> None:
    settings.REPORTS_SUBMIT_RATE = "3/h"
    key = throttle.client_key(IP)
    for second in range(3):
        assert throttle.hit("submit", key, now=T0 + second) is None
    assert throttle.hit("submit", key, now=T0 + 100) == 3500  # refused until the hour ends
    assert throttle.hit("submit", key, now=T0 + 3599) == 1
    assert throttle.hit("submit", key, now=T0 + 3600) is None  # the next window, exactly
    # another client behind another address is counted apart
    assert throttle.hit("submit", throttle.client_key("198.51.100.1"), now=T0 + 100) is None
    stored = _stored_keys(backend)
    assert stored and IP not in stored and key not in stored
    if backend in {"file", "database"}:  # no atomic increment: the counters are rows every process sees
        assert RateCounter.objects.filter(key__startswith="reports:submit:").count() >= 2


def test_a_clients_counters_are_unlinkable_across_windows() -> None:
    key = throttle.client_key(IP)
    first = throttle._window_key("submit", key, 3600, T0)
    assert first == throttle._window_key("submit", key, 3600, T0 + 3599)
    assert first != throttle._window_key("submit", key, 3600, T0 + 3600)
    assert first != throttle._window_key("follow", key, 3600, T0)


def test_counts_survive_the_process_state(backend: str, settings: Any) -> None:
    """Nothing is counted in this module's memory: what another process stored is what counts."""
    settings.REPORTS_FOLLOW_RATE = "2/10m"
    key = throttle.client_key(IP)
    assert throttle.hit("follow", key, now=T0) is None
    assert throttle.hit("follow", key, now=T0 + 1) is None
    assert not [n for n, v in vars(throttle).items() if isinstance(v, dict | list | set) and not n.startswith("__")]
    assert throttle.hit("follow", throttle.client_key(IP), now=T0 + 2) is not None


def test_wrong_codes_grow_the_delay_within_the_hour(backend: str) -> None:
    key = throttle.client_key(IP)
    assert throttle.delay_for(key, now=T0) == 0
    delays = []
    for second in range(5):
        throttle.wrong_code(key, now=T0 + second)
        delays.append(throttle.delay_for(key, now=T0 + second))
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert throttle.delay_for(throttle.client_key("198.51.100.1"), now=T0 + 5) == 0  # a colleague is not slowed
    assert throttle.delay_for(key, now=T0 + 3600) == 0  # a new hour starts afresh
    assert IP not in _stored_keys(backend)


def test_a_proof_works_once_on_every_backend(backend: str) -> None:
    good = proof("follow")
    assert throttle.check_proof("follow", good["challenge"], good["nonce"]) is True
    assert throttle.check_proof("follow", good["challenge"], good["nonce"]) is False


def test_the_api_limit_holds_on_the_database_counters(client: Any, staff: Any, settings: Any, tmp_path: Any) -> None:
    settings.REPORTS_SUBMIT_RATE = "1/h"
    with override_settings(
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)}
        }
    ):
        ok = client.post(
            "/api/v1/reports",
            {"content": "某局长收受好处费二十万元。", "proof": proof("submit")},
            content_type="application/json",
            REMOTE_ADDR=IP,
        )
        again = client.post(
            "/api/v1/reports",
            {"content": "某局长收受好处费二十万元。", "proof": proof("submit")},
            content_type="application/json",
            REMOTE_ADDR=IP,
        )
    assert ok.status_code == 201 and again.status_code == 429
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, count, expires_at FROM core_ratecounter")
        rows = cursor.fetchall()
    assert rows and not any(IP in str(row) for row in rows)
    # the rows name their windows' ends, never the second of a request
    assert all(row[2] % 600 == 0 for row in rows)
