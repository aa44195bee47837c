"""Audit event names recorded by the demo data loader."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "demo.seeded": _("Demo data loaded"),
    "demo.accounts_created": _("Demo accounts created"),
})
