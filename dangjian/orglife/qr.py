"""Rotating sign-in codes for the venue screen.

The code for activity ``a`` in time window ``w`` (``w = unix time // QR_ROTATE_SECONDS``) is an
HMAC of ``a:w`` keyed from SECRET_KEY (``salted_hmac``). A code is accepted in its own window and
the next one only, so a photo of the screen sent to someone at home stops working within two
rotations, whoever opens it.
"""

from __future__ import annotations

import time

import segno
from django.utils.crypto import constant_time_compare, salted_hmac

from dangjian.orglife.conf import conf

_SALT = "dangjian.orglife.checkin-qr"
CODE_LENGTH = 16


def clock() -> float:
    """Seconds since the epoch (a seam for tests that move time)."""
    return time.time()


def rotate_seconds() -> int:
    return max(5, int(conf("QR_ROTATE_SECONDS")))


def current_window(now: float | None = None) -> int:
    return int((clock() if now is None else now) // rotate_seconds())


def code_for(activity_id: int, window: int) -> str:
    return salted_hmac(_SALT, f"{activity_id}:{window}", algorithm="sha256").hexdigest()[:CODE_LENGTH]


def current_code(activity_id: int, now: float | None = None) -> str:
    return code_for(activity_id, current_window(now))


def valid_window(activity_id: int, code: str, now: float | None = None) -> int | None:
    """The window ``code`` belongs to if it is the current or the previous one, else None."""
    if not isinstance(code, str) or len(code) != CODE_LENGTH:
        return None
    window = current_window(now)
    for w in (window, window - 1):
        if constant_time_compare(code, code_for(activity_id, w)):
            return w
    return None


def qr_data_uri(url: str) -> str:
    """An SVG QR code as a data: URI (allowed by the CSP's img-src; no inline style)."""
    return segno.make(url, error="m").svg_data_uri(scale=8, border=2)
