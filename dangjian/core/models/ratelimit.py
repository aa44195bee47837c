from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """One throttle window (``core.ratelimit``) when the cache has no atomic increment (the file
    and database caches): ``key`` holds the counter's name, period and window number."""

    key = models.CharField(max_length=255, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.FloatField(help_text="End of the window, in seconds since the epoch.")

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="rate_counter_expires_idx")]
