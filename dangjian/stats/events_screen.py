"""Audit event names of the overview screen (大屏). Declared from ``StatsConfig.ready()`` (core
imports each app's ``events`` module; this one joins it when the statistics app has one)."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "stats.screen_layout_saved": _("Overview screen layout saved"),
    "stats.screen_layout_reset": _("Overview screen layout reset to the default"),
})
