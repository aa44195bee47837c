"""Reads the API layer needs that belong to no domain app (bearer-token lookup)."""

from __future__ import annotations

from django.utils import timezone

from dangjian.core.models import ApiToken

#: Raw tokens are 43 characters (secrets.token_urlsafe(32)); anything much longer is junk.
_MAX_RAW_TOKEN = 256


def active_token(raw: str) -> ApiToken | None:
    """The unrevoked, unexpired token whose digest matches ``raw`` (with its user), or None."""
    if not raw or len(raw) > _MAX_RAW_TOKEN:
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
