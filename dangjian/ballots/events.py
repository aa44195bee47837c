"""Audit event names of democratic evaluations. Casting a ballot records no event: an audit
entry carries a time and an actor, and a ballot must carry neither."""

from django.utils.translation import gettext_lazy as _

from dangjian.core.audit import declare_events

EVENTS = declare_events({
    "evaluation.created": _("Evaluation created"),
    "evaluation.changed": _("Evaluation changed"),
    "evaluation.trustees_set": _("Evaluation trustees named"),
    "evaluation.trustee_key": _("Trustee key registered"),
    "evaluation.opened": _("Evaluation opened"),
    "evaluation.credential_reissued": _("Evaluation voting code reissued"),
    "evaluation.closed": _("Evaluation closed"),
    "evaluation.counted": _("Evaluation ballots counted"),
    "evaluation.decryption": _("Trustee decryption submitted"),
    "evaluation.tallied": _("Evaluation tallied"),
})
