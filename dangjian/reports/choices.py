"""States, kinds and disposals of reports (DOMAIN.md §10)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    """What the report is about (the six disciplines of the party's disciplinary rules, or other)."""

    POLITICAL = "political", _("Political discipline")
    ORGANIZATIONAL = "organizational", _("Organizational discipline")
    INTEGRITY = "integrity", _("Integrity discipline")
    MASSES = "masses", _("Discipline towards the masses")
    WORK = "work", _("Work discipline")
    LIFE = "life", _("Discipline in private life")
    OTHER = "other", _("Other")


class State(models.TextChoices):
    RECEIVED = "received", _("Received, to triage")
    ACCEPTED = "accepted", _("Accepted")
    DISPOSING = "disposing", _("Being disposed of")
    FORWARDED = "forwarded", _("Forwarded to another level")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")
    CLOSED = "closed", _("Closed")


class Disposal(models.TextChoices):
    """The five ways of disposing of a report (《纪检监察机关处理检举控告工作规则》)."""

    INQUIRY = "inquiry", _("Talk or written inquiry (谈话函询)")
    VERIFICATION = "verification", _("Preliminary verification (初步核实)")
    FILED = "filed", _("Filed for later (暂存待查)")
    CLOSED = "closed", _("Closed (予以了结)")
    REFERRAL = "referral", _("Referral for investigation")


class Author(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    STAFF = "staff", _("Handler")


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    QUESTION = "question", _("Question to the reporter")
    EVIDENCE = "evidence", _("Further evidence")


class RequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for a custodian")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


#: States a handler still has work in.
OPEN_STATES = (State.RECEIVED, State.ACCEPTED, State.DISPOSING)
#: Working days to forward a report that belongs to another level.
FORWARD_WORKDAYS = 5
#: Working days to tell a real-name reporter of acceptance, and of the outcome after closing.
FEEDBACK_WORKDAYS = 15
#: Working days before a deadline from which it shows as a warning.
WARN_WORKDAYS = 2
MAX_CONTENT = 10000
MAX_SHORT = 500
