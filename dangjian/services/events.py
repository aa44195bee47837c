"""Audit event names of the service centre."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "service_matter.created": _("Service matter created"),
    "service_matter.changed": _("Service matter changed"),
    "service_form.saved": _("Service form version saved"),
    "service_application.submitted": _("Service application submitted"),
    "service_application.signed": _("Service application step signed"),
    "service_application.returned": _("Service application returned"),
    "service_application.supplement_requested": _("More material requested for a service application"),
    "service_application.supplemented": _("Material supplied for a service application"),
    "service_application.resubmitted": _("Service application submitted again"),
    "service_application.withdrawn": _("Service application withdrawn"),
    "service_application.approved": _("Service application approved"),
    "service_application.rejected": _("Service application rejected"),
    "service_application.escalated": _("Overdue service step escalated"),
    "service_application.fallback": _("Service step without approver handed up"),
    "service_application.no_approver": _("Service step has no approver anywhere above"),
    "service_application.rated": _("Service application rated by the applicant"),
    "service_application.handed_over": _("Approved service application handed to its module"),
    "service_volunteer.task_created": _("Community volunteer task created"),
    "service_volunteer.signed_up": _("Signed up for a community volunteer task"),
    "service_volunteer.confirmed": _("Community volunteering confirmed"),
    "service_grid_worker.appointed": _("Grid worker appointed"),
    "service_grid_worker.removed": _("Grid worker removed"),
    "service_delegation.created": _("Service sign-off delegated"),
    "service_document.issued": _("Service document issued"),
    "service_document.revoked": _("Service document revoked"),
})
