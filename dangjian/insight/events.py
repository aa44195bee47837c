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
    "insight_alert_rule.saved": _("Opinion alert rule saved"),
    "insight_alert.raised": _("Opinion alert raised"),
    "insight_alert.case_opened": _("Incident case opened from an opinion alert"),
    "insight_alert.dismissed": _("Opinion alert dismissed"),
    "insight_text.sentiment_corrected": _("Text sentiment corrected"),
})
