"""Audit event names recorded by the statistics module."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "stats.tables_submitted": _("Year-end statistics tables submitted"),
    "stats.tables_returned": _("Year-end statistics tables returned"),
})
