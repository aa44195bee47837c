"""Audit event names recorded by case handling (assignment, handling, feedback, review, accountability)."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "case.incident_opened": _("Incident opened"),
    "case.assigned": _("Case assigned"),
    "case.reassigned": _("Case reassigned"),
    "case.accepted": _("Case accepted"),
    "case.sent_back": _("Case sent back"),
    "case.started": _("Handling started"),
    "case.co_input": _("Co-handling input given"),
    "case.co_input_escalated": _("Co-handling input escalated"),
    "case.co_input_waived": _("Co-handling input waived"),
    "case.statement": _("Public statement published"),
    "case.replied": _("Case answered"),
    "case.rated": _("Answer rated"),
    "case.reopened": _("Case reopened"),
    "case.closed": _("Case closed"),
    "case.escalated": _("Case escalated"),
    "case.reminded": _("Reminder sent"),
    "case.supervision_note": _("Supervision note added"),
    "case.accountability": _("Accountability recorded"),
    "case.voice_added": _("Same problem raised again"),
    "case.voice_rated": _("Public voice rated"),
    "case_department.created": _("Handling department created"),
    "case_department.changed": _("Handling department changed"),
    "case_department.member_added": _("Handling department member added"),
    "case_department.member_removed": _("Handling department member removed"),
})
