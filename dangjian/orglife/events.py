"""Audit event names recorded by organizational life (三会一课, evaluations, committees)."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "orglife.activity_planned": _("Activity planned"),
    "orglife.activity_changed": _("Activity changed"),
    "orglife.activity_started": _("Activity started"),
    "orglife.activity_closed": _("Activity closed"),
    "orglife.activity_cancelled": _("Activity cancelled"),
    "orglife.attendee_added": _("Attendee added"),
    "orglife.attendees_notified": _("Attendees notified"),
    "orglife.checked_in": _("Checked in"),
    "orglife.checked_in_batch": _("Attendance recorded"),
    "orglife.leave_asked": _("Leave requested"),
    "orglife.leave_decided": _("Leave request decided"),
    "orglife.materials_added": _("Materials added"),
    "orglife.photos_added": _("Photos added"),
    "orglife.resolution_added": _("Resolution added"),
    "orglife.assembly_reminder": _("Party assembly reminder sent"),
    "orglife.committee_seat_added": _("Committee member added"),
    "orglife.committee_seat_ended": _("Committee member's term ended"),
    "orglife.criticism_recorded": _("Criticism and self-criticism recorded"),
    "orglife.rectification_added": _("Rectification item added"),
    "orglife.rectification_done": _("Rectification item done"),
    "orglife.self_assessed": _("Self-assessment submitted"),
    "orglife.peers_rated": _("Peers rated"),
    "orglife.members_graded": _("Members graded"),
    "orglife.vote_cast": _("Vote cast"),
})
