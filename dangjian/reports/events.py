"""Audit event names of reports. Submitting a report and the reporter's follow-up record no event:
an audit entry carries an exact time, and no time of day may be tied to a report."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "report_key.created": _("Report key created"),
    "report_keys.shared": _("Report keys shared with a staff member"),
    "report_keys.revoked": _("Report keys of a staff member revoked"),
    "report_custodian.named": _("Identity custodian named"),
    "report.accepted": _("Report accepted"),
    "report.out_of_scope": _("Report out of scope"),
    "report.forwarded": _("Report forwarded to another level"),
    "report.disposed": _("Report disposal chosen"),
    "report.closed": _("Report closed"),
    "report.message_sent": _("Message sent to a reporter"),
    "report.staff_excluded": _("Staff member excluded from a report"),
    "report.identity_requested": _("Reporter identity requested"),
    "report.identity_opened": _("Reporter identity opened"),
    "report.identity_refused": _("Reporter identity request refused"),
})
