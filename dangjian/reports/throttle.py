"""Abuse control of the anonymous routes, kept in this process's memory only.

- The client key is HMAC-SHA256(secret, client address), the secret random, made in memory and
  replaced every ``ROTATE_SECONDS`` (one hour): nothing on disk or in the cache ties a counter to an
  address, and after a rotation even this process cannot tell the old keys' addresses.
- Rates (``REPORTS_SUBMIT_RATE``, ``REPORTS_FOLLOW_RATE``) count in exact fixed windows
  (``core.ratelimit.window``); the counter tables are bounded (``MAX_KEYS``, oldest dropped).
- Wrong receipt codes: each wrong code of a client key adds to a delay that every later follow-up
  attempt of that key waits *before* the code is checked (so a fast answer says nothing): 0.5 s,
  1 s, 2 s … at most ``MAX_DELAY`` (4 s) — it slows guessing, it never locks an office out.
- A proof of work (hashcash): the server signs a random challenge with its purpose; the browser
  finds a nonce whose SHA-256 has ``REPORTS_POW_BITS`` leading zero bits; each challenge works once.

With several web processes each keeps its own counters (a limit of N allows up to N per process).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.core import signing

from dangjian.core.ratelimit import parse_rates, window
from dangjian.reports import conf
from dangjian.reports.crypto import pow_ok

ROTATE_SECONDS = 3600
MAX_KEYS = 100_000
BASE_DELAY = 0.5
MAX_DELAY = 4.0
POW_MAX_AGE = 600
_POW_SALT = "dangjian.reports.pow"

_lock = threading.Lock()
_secret: tuple[int, bytes] = (-1, b"")
_counts: OrderedDict[str, int] = OrderedDict()
_wrong: OrderedDict[str, int] = OrderedDict()
_used_challenges: OrderedDict[str, float] = OrderedDict()
#: ``time.sleep``; tests replace it to see the delays without waiting.
sleep: Callable[[float], None] = time.sleep


def _bounded_put(table: OrderedDict[str, int], key: str, value: int) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > MAX_KEYS:
        table.popitem(last=False)


def client_key(address: str, *, now: float | None = None) -> str:
    """The keyed, rotating hash of a client address (the address itself is never kept)."""
    global _secret
    now = time.time() if now is None else now
    epoch = int(now // ROTATE_SECONDS)
    with _lock:
        if _secret[0] != epoch:
            _secret = (epoch, secrets.token_bytes(32))
            _wrong.clear()  # the old keys cannot be recomputed: forget what they counted
        return hmac.new(_secret[1], address.encode(), hashlib.sha256).hexdigest()[:32]


def hit(bucket: str, key: str, *, now: float | None = None) -> int | None:
    """Take a slot of ``bucket``'s rate for ``key``: None, or the seconds to wait."""
    now = time.time() if now is None else now
    rate = conf.submit_rate() if bucket == "submit" else conf.follow_rate()
    tiers = parse_rates(rate)
    with _lock:
        slots = []
        for limit, period in tiers:
            number, end = window(period, now)
            wkey = f"{bucket}:{key}:{period}:{number}"
            if _counts.get(wkey, 0) >= limit:
                return max(1, int(end - now) + 1)
            slots.append(wkey)
        for wkey in slots:
            _bounded_put(_counts, wkey, _counts.get(wkey, 0) + 1)
    return None


def delay_for(key: str) -> float:
    """Seconds the next follow-up attempt of ``key`` waits."""
    wrong = _wrong.get(key, 0)
    return 0.0 if wrong == 0 else min(MAX_DELAY, BASE_DELAY * 2 ** (wrong - 1))


def wait_before_check(key: str) -> float:
    seconds = delay_for(key)
    if seconds:
        sleep(seconds)
    return seconds


def wrong_code(key: str) -> None:
    with _lock:
        _bounded_put(_wrong, key, _wrong.get(key, 0) + 1)


def reset() -> None:
    """Forget every counter (tests)."""
    with _lock:
        _counts.clear()
        _wrong.clear()
        _used_challenges.clear()


# --- proof of work ----------------------------------------------------------------------------------

def new_challenge(purpose: str) -> dict[str, object]:
    token = signing.dumps({"p": purpose, "r": secrets.token_hex(12), "b": conf.pow_bits()}, salt=_POW_SALT)
    return {"challenge": token, "bits": conf.pow_bits()}


def check_proof(purpose: str, challenge: str, nonce: str, *, now: float | None = None) -> bool:
    """True once per valid challenge: signed by us, for this purpose, fresh, solved, unused."""
    try:
        data = signing.loads(challenge, salt=_POW_SALT, max_age=POW_MAX_AGE)
    except signing.BadSignature:
        return False
    if not isinstance(data, dict) or data.get("p") != purpose or not pow_ok(challenge, nonce, int(data.get("b", 0))):
        return False
    now = time.time() if now is None else now
    with _lock:
        for old, expires in list(_used_challenges.items())[:100]:
            if expires < now:
                del _used_challenges[old]
        if challenge in _used_challenges:
            return False
        _used_challenges[challenge] = now + POW_MAX_AGE
        while len(_used_challenges) > MAX_KEYS:
            _used_challenges.popitem(last=False)
    return True
