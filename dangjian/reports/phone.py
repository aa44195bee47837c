"""Verifying a real-name reporter's phone by SMS, without storing the phone or the code anywhere.

- ``issue(phone)`` sends a 6-digit code (``secrets``) through core's SMS channel (Tencent Cloud,
  ``core.notifications.channels.sms.send_text``) at once, in the request — a queued task would
  keep the phone in the task table until it ran — and returns a **token** for the reporter's
  page: ``signing.dumps({"n": nonce, "m": HMAC(secret, phone:code:nonce)})``, valid
  ``CODE_MINUTES``. The server keeps nothing; the code exists only in the SMS and, hashed with a
  server secret, in the token (so the token cannot be tried offline).
- ``check(phone, code, token)``: recomputes the HMAC; at most ``MAX_TRIES`` tries per token (a
  shared counter on a hash of the token, ``core.ratelimit``), and a token verifies once.
- Sending is limited per phone (``REPORTS_PHONE_RATE`` for a keyed hash of the phone, per window)
  and per client (the same rate on the throttle's client key): no SMS flood to a victim's phone.
- Neither the phone nor the code is logged: the provider's error text (which could name the
  number) is dropped, only its class is logged.

Verification is required for a real-name report when SMS is configured (``SMS_*`` settings);
without SMS, real-name reports are accepted unverified (``phone_verified`` stays False).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time

from django.conf import settings
from django.core import signing

from dangjian.core import ratelimit

log = logging.getLogger(__name__)

CODE_DIGITS = 6
CODE_MINUTES = 10
MAX_TRIES = 5
_SALT = "dangjian.reports.phone"


class SendFailed(Exception):
    """The SMS could not be sent (the provider refused or did not answer)."""


def required() -> bool:
    from dangjian.core.notifications.channels import sms

    return sms.configured()


def _secret() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"dangjian.reports.phone", hashlib.sha256).digest()


def _mac(message: str) -> str:
    return hmac.new(_secret(), message.encode(), hashlib.sha256).hexdigest()


def phone_rate() -> list[tuple[int, int]]:
    return ratelimit.parse_rates(str(getattr(settings, "REPORTS_PHONE_RATE", "3/h")))


def may_send(phone: str, client_key: str) -> int | None:
    """Take a sending slot for this phone and this client: None, or the seconds to wait."""
    counters = []
    for limit, period in phone_rate():
        number, _end = ratelimit.window(period, time.time())
        counters.append((f"reports:phone:{_mac(f'phone:{period}:{number}:{phone}')[:32]}", limit, period))
        counters.append((f"reports:phone-client:{_mac(f'client:{period}:{number}:{client_key}')[:32]}", limit, period))
    return ratelimit.consume_all(counters) if counters else None


def issue(phone: str) -> str:
    """Send a fresh code to ``phone``; the token for the page. Raises SendFailed."""
    from dangjian.core.notifications.channels import DeliveryError, sms

    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    nonce = secrets.token_hex(12)
    try:
        sms.send_text(phone, [code, str(CODE_MINUTES)], template_id=str(getattr(settings, "REPORTS_SMS_TEMPLATE_ID", "")),
                      private=True)
    except DeliveryError as exc:
        log.warning("reports: a verification SMS was not sent (%s)", type(exc).__name__)
        raise SendFailed from None
    return signing.dumps({"n": nonce, "m": _mac(f"{phone}:{code}:{nonce}")}, salt=_SALT)


def check(phone: str, code: str, token: str) -> bool:
    """True once when ``code`` is the one sent to ``phone`` with ``token``, within its time and tries."""
    try:
        data = signing.loads(token or "", salt=_SALT, max_age=CODE_MINUTES * 60)
    except signing.BadSignature:
        return False
    if not isinstance(data, dict) or "n" not in data or "m" not in data:
        return False
    tries = f"reports:phone-try:{hashlib.sha256(str(data['n']).encode()).hexdigest()[:32]}"
    if ratelimit.consume(tries, MAX_TRIES, CODE_MINUTES * 60 * 2) is not None:
        return False
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if not hmac.compare_digest(_mac(f"{phone}:{code}:{data['n']}"), str(data["m"])):
        return False
    return ratelimit.take_once(f"reports:phone-ok:{data['n']}", CODE_MINUTES * 60)
