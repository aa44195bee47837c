"""An unlocked staff key, kept for a short time and never whole in one place.

Unlocking (the passphrase, Argon2id) yields the staff private key. It is sealed in a SecretBox under
a fresh random *session key*; the sealed key (and its expiry) goes into the server-side session,
the session key into a separate cookie (HttpOnly, SameSite=Strict, Secure in production, expiring
with it). Neither the session store nor the cookie alone opens it; a request that carries both gets
the private key in memory for that request only. Locking or the expiry drops both halves.
"""

from __future__ import annotations

import base64
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from dangjian.reports import conf, crypto
from dangjian.reports.models import StaffKey

COOKIE = "dj_reports_unlock"
SESSION_KEY = "reports.unlocked"


def unlock(request: HttpRequest, response: HttpResponse, passphrase: str) -> bool:
    """Check the passphrase; on success keep the key (two halves) for ``REPORTS_UNLOCK_MINUTES``."""
    key = StaffKey.objects.filter(user_id=request.user.pk or 0).first()
    if key is None:
        return False
    from dangjian.reports.actions import staff_key_record

    try:
        private = crypto.unlock_private(staff_key_record(key), passphrase)
    except crypto.WrongKey:
        return False
    session_key, wrapped = crypto.session_wrap(private)
    seconds = conf.unlock_minutes() * 60
    request.session[SESSION_KEY] = {"w": base64.b64encode(wrapped).decode(), "until": int(time.time()) + seconds,
                                    "u": request.user.pk}
    response.set_cookie(COOKIE, base64.urlsafe_b64encode(session_key).decode(), max_age=seconds, httponly=True,
                        samesite="Strict", secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)))
    return True


def unlocked(request: HttpRequest) -> bytes | None:
    """The staff private key for this request, or None (locked, expired, or a half missing)."""
    data = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    cookie = request.COOKIES.get(COOKIE)
    if not data or not cookie or data.get("u") != getattr(request.user, "pk", None):
        return None
    if int(data.get("until", 0)) < time.time():
        return None
    try:
        return crypto.session_unwrap(base64.urlsafe_b64decode(cookie), base64.b64decode(data["w"]))
    except (crypto.WrongKey, ValueError, KeyError):
        return None


def lock(request: HttpRequest, response: HttpResponse) -> None:
    request.session.pop(SESSION_KEY, None)
    response.delete_cookie(COOKIE, samesite="Strict")
