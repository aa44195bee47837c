"""Request helpers shared by views and the API."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind ``TRUSTED_PROXY_HOPS`` reverse proxies (nginx sets
    X-Forwarded-For), take the address the nearest trusted proxy saw; otherwise REMOTE_ADDR.
    Never trust the header when no proxy is configured: a client could write anything there."""
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0))
    remote = str(request.META.get("REMOTE_ADDR") or "")
    if hops <= 0:
        return remote
    chain = [p.strip() for p in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if p.strip()]
    if len(chain) >= hops:
        return chain[-hops]
    return remote


def is_local_url(request: HttpRequest, url: str) -> bool:
    """Whether ``url`` stays on this site (a safe target for a redirect after a form)."""
    return bool(url) and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure())
