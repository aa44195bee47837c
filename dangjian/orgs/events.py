"""Audit event names recorded by the organization tree."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "org.created": _("Organization created"),
    "org.updated": _("Organization edited"),
    "party_group.created": _("Party group created"),
})
