from __future__ import annotations

from django.db import models


class SchedulerTick(models.Model):
    """One row per (job, scheduled time) that fired. The unique constraint is the lock: however
    many scheduler processes run, only the one whose insert succeeds enqueues that tick."""

    job = models.CharField(max_length=100)
    scheduled_for = models.DateTimeField()
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "scheduled_for"], name="unique_scheduler_tick")]
        indexes = [models.Index(fields=["fired_at"], name="scheduler_tick_fired_idx")]
