"""Abuse control of the anonymous routes, shared by every process through ``core.ratelimit``
(the configured cache, or the ``RateCounter`` table where the cache has no atomic increment), with
no client address stored in the clear:

- ``client_key(address)`` is HMAC-SHA256(throttle secret, address), computed in memory and never
  stored. What is stored is one more HMAC of it **per window**:
  ``HMAC(secret, bucket:period:window:client_key)`` — so the counter of one window cannot be linked
  to the same client's counter of the next, and a counter expires with its window. The secret is
  ``REPORTS_THROTTLE_SECRET`` or, by default, derived from SECRET_KEY (the same in every process):
  whoever holds the secret *and* a live counter could test candidate addresses against it — see
  docs/security.md, "Reports: the threat model".
- Rates (``REPORTS_SUBMIT_RATE``, ``REPORTS_FOLLOW_RATE``) count in exact fixed windows on every
  cache backend (``core.ratelimit.consume_all``).
- Wrong receipt codes: each wrong code of a client within the hour (``WRONG_WINDOW``) adds to a
  delay that every later follow-up attempt of that client waits *before* the code is checked (so a
  fast answer says nothing): 0.5 s, 1 s, 2 s … at most ``MAX_DELAY`` (4 s) — it slows guessing, it
  never locks an office out.
- A proof of work (hashcash): the server signs a random challenge with its purpose; the browser
  finds a nonce whose SHA-256 has ``REPORTS_POW_BITS`` leading zero bits; each challenge works once
  across every process (``core.ratelimit.take_once`` on a hash of the challenge).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.core.cache import caches

from dangjian.core import ratelimit
from dangjian.reports import conf
from dangjian.reports.crypto import pow_ok

WRONG_WINDOW = 3600
BASE_DELAY = 0.5
MAX_DELAY = 4.0
POW_MAX_AGE = 600
_POW_SALT = "dangjian.reports.pow"
_UNLIMITED = 2**31 - 1
#: ``time.sleep``; tests replace it to see the delays without waiting.
sleep: Callable[[float], None] = time.sleep


def _secret() -> bytes:
    configured = str(getattr(settings, "REPORTS_THROTTLE_SECRET", "") or "")
    if configured:
        return hashlib.sha256(configured.encode()).digest()
    return hmac.new(settings.SECRET_KEY.encode(), b"dangjian.reports.throttle", hashlib.sha256).digest()


def _mac(message: str) -> str:
    return hmac.new(_secret(), message.encode(), hashlib.sha256).hexdigest()[:32]


def client_key(address: str) -> str:
    """The keyed hash of a client address, kept in memory for one request (never stored)."""
    return _mac(f"client:{address}")


def _window_key(bucket: str, key: str, period: int, now: float) -> str:
    """The stored name of ``key``'s counter in the window of ``now``: unlinkable across windows."""
    number, _end = ratelimit.window(period, now)
    return f"reports:{bucket}:{_mac(f'{bucket}:{period}:{number}:{key}')}"


def hit(bucket: str, key: str, *, now: float | None = None) -> int | None:
    """Take a slot of ``bucket``'s rate for ``key``: None, or the seconds to wait."""
    now = time.time() if now is None else now
    rate = conf.submit_rate() if bucket in ("submit", "phone") else conf.follow_rate()
    counters = [(_window_key(bucket, key, period, now), limit, period) for limit, period in ratelimit.parse_rates(rate)]
    return ratelimit.consume_all(counters, now=now) if counters else None


def wrong_count(key: str, *, now: float | None = None) -> int:
    now = time.time() if now is None else now
    return ratelimit.peek(_window_key("wrong", key, WRONG_WINDOW, now), WRONG_WINDOW, now=now)


def delay_for(key: str, *, now: float | None = None) -> float:
    """Seconds the next follow-up attempt of ``key`` waits."""
    wrong = wrong_count(key, now=now)
    return 0.0 if wrong == 0 else min(MAX_DELAY, BASE_DELAY * 2 ** (wrong - 1))


def wait_before_check(key: str) -> float:
    seconds = delay_for(key)
    if seconds:
        sleep(seconds)
    return seconds


def wrong_code(key: str, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    ratelimit.consume(_window_key("wrong", key, WRONG_WINDOW, now), _UNLIMITED, WRONG_WINDOW, now=now)


def reset() -> None:
    """Forget every counter kept in the cache (tests; database counters go with the test's rollback)."""
    caches["default"].clear()


# --- proof of work ----------------------------------------------------------------------------------


def new_challenge(purpose: str) -> dict[str, object]:
    token = signing.dumps({"p": purpose, "r": secrets.token_hex(12), "b": conf.pow_bits()}, salt=_POW_SALT)
    return {"challenge": token, "bits": conf.pow_bits()}


def check_proof(purpose: str, challenge: str, nonce: str, *, now: float | None = None) -> bool:
    """True once per valid challenge: signed by us, for this purpose, fresh, solved, unused — in
    any process."""
    try:
        data = signing.loads(challenge, salt=_POW_SALT, max_age=POW_MAX_AGE)
    except signing.BadSignature:
        return False
    if not isinstance(data, dict) or data.get("p") != purpose or not pow_ok(challenge, nonce, int(data.get("b", 0))):
        return False
    digest = hashlib.sha256(challenge.encode()).hexdigest()[:32]
    return ratelimit.take_once(f"reports:pow:{digest}", POW_MAX_AGE, now=now)
