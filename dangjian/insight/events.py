"""Audit event names of opinion insight."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "insight_run.requested": _("Opinion analysis run requested"),
    "insight_topic.renamed": _("Opinion topic renamed"),
    "insight_topic.merged": _("Opinion topics merged"),
    "insight_topic.reviewed": _("Opinion topic reviewed"),
    "insight_topic.split": _("Opinion topic split"),
    "insight_briefing.published": _("Opinion briefing published"),
    "insight_dictionary.changed": _("County dictionary changed"),
})
