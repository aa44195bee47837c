"""Audit event names recorded by party dues."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "dues.base_submitted": _("Dues base submitted"),
    "dues.base_approved": _("Dues base approved"),
    "dues.base_returned": _("Dues base returned"),
    "dues.base_imported": _("Dues base imported"),
    "dues.bills_generated": _("Monthly dues bills generated"),
    "dues.relief_proposed": _("Dues reduction proposed"),
    "dues.relief_approved": _("Dues reduction approved"),
    "dues.relief_rejected": _("Dues reduction rejected"),
    "dues.relief_withdrawn": _("Dues reduction withdrawn"),
    "dues.consent_granted": _("Proxy payment consent granted"),
    "dues.consent_revoked": _("Proxy payment consent revoked"),
    "dues.payment_created": _("Dues payment started"),
    "dues.payment_paid": _("Dues paid"),
    "dues.payment_failed": _("Dues payment failed"),
    "dues.payment_closed": _("Dues payment closed"),
    "dues.payment_refunded": _("Dues payment refunded"),
    "dues.refund_requested": _("Dues refund requested"),
    "dues.refund_failed": _("Dues refund failed"),
    "dues.reconciled": _("Dues payments reconciled"),
    "dues.mismatch_settled": _("Reconciliation mismatch settled"),
    "dues.handed_up": _("Dues handed up"),
    "dues.handover_confirmed": _("Dues hand-over confirmed"),
    "dues.handover_returned": _("Dues hand-over returned"),
    "dues.notice_published": _("Dues public notice published"),
    "dues.arrears_alert": _("Dues arrears alert sent"),
    "dues.arrears_decided": _("Dues arrears decided"),
})
