"""When and over what the nightly full run happens, from settings:

- ``INSIGHT_NIGHTLY_CRON`` (default ``"30 2 * * *"``, crontab: minute hour day month weekday, in
  ``TIME_ZONE``); an empty string switches the nightly run off.
- ``INSIGHT_NIGHTLY_LEVEL`` (default 1): one run per organization at that level of the tree —
  1 the county (everything, forum threads included), 2 each town, …

A bad value stops start-up (system check ``insight.E001`` / ``insight.E002``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

DEFAULT_CRON = "30 2 * * *"


def nightly_cron() -> str:
    return str(getattr(settings, "INSIGHT_NIGHTLY_CRON", DEFAULT_CRON) or "").strip()


def nightly_level() -> int:
    return int(getattr(settings, "INSIGHT_NIGHTLY_LEVEL", 1))


def check_schedule(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from apscheduler.triggers.cron import CronTrigger

    errors: list[checks.CheckMessage] = []
    cron = nightly_cron()
    if cron:
        try:
            CronTrigger.from_crontab(cron, timezone=settings.TIME_ZONE)
        except ValueError as exc:
            errors.append(checks.Error(f"INSIGHT_NIGHTLY_CRON {cron!r} is not a crontab expression: {exc}",
                                       hint='Five fields, e.g. "30 2 * * *" (02:30 every day); "" for none.',
                                       id="insight.E001"))
    try:
        level = nightly_level()
    except (TypeError, ValueError):
        level = 0
    if not 1 <= level <= 10:
        errors.append(checks.Error("INSIGHT_NIGHTLY_LEVEL must be a whole number from 1 (the county) to 10.",
                                   id="insight.E002"))
    return errors
