"""Counters behind human-readable numbers (case AJ2026-000001, letter ZJ2026-000001, opinion
YJ20261125-0001): one row per key and period, see ``core.sequences``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SequenceCounter(models.Model):
    """The last number handed out for one key (``cases.case``) in one period (``2026``)."""

    key = models.CharField(max_length=40)
    period = models.CharField(max_length=16)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("sequence counter")
        verbose_name_plural = _("sequence counters")
        constraints = [models.UniqueConstraint(fields=["key", "period"], name="core_sequence_key_period")]

    def __str__(self) -> str:
        return f"{self.key} {self.period}: {self.last}"
