"""Small writes made by the API plumbing itself (token bookkeeping)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from dangjian.core.models import ApiToken

#: ``last_used_at`` is refreshed at most this often per token (one write a minute, not per call).
TOUCH_INTERVAL = dt.timedelta(minutes=1)


def do_touch_api_token(token: ApiToken) -> bool:
    """Record that ``token`` was used now. Bookkeeping, not a business change: no audit event.

    Returns True when the timestamp was written."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_INTERVAL:
        return False
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return True
