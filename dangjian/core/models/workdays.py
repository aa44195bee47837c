"""The official working-day calendar entered by administrators (DESIGN.md §4 rule 6).

``chinese-calendar`` knows the State Council's holiday arrangements up to its last release;
for later years (or to correct a year) an administrator enters the yearly notice here. A year
entered here overrides the package for that year. See ``dangjian.core.workdays``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Make-up working day")


SOURCE_NOTE_MAX = 300


class OfficialCalendarYear(models.Model):
    """One year's official arrangement, as published in the State Council's notice."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source_note = models.CharField(pgettext_lazy("basis", "source"), max_length=SOURCE_NOTE_MAX)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)

    class Meta:
        ordering = ["year"]
        verbose_name = _("official calendar year")
        verbose_name_plural = _("official calendar years")

    def __str__(self) -> str:
        return str(self.year)


class OfficialDay(models.Model):
    """A date that differs from the plain Monday–Friday rule: a holiday, or a weekend day worked (调休上班)."""

    year = models.ForeignKey(OfficialCalendarYear, verbose_name=_("year"), on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("official day")
        verbose_name_plural = _("official days")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.kind} {self.name}".strip()
