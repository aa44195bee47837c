"""Member lifecycle (issue 3): floating members' certificates, status changes with approvals, exits."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CertificateStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    RETURNED = "returned", _("Returned")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


#: Legal certificate status changes (renewal keeps or restores "issued").
CERTIFICATE_TRANSITIONS: dict[str, frozenset[str]] = {
    CertificateStatus.ISSUED: frozenset({CertificateStatus.ISSUED, CertificateStatus.RETURNED,
                                         CertificateStatus.EXPIRED, CertificateStatus.REVOKED}),
    CertificateStatus.EXPIRED: frozenset({CertificateStatus.ISSUED, CertificateStatus.RETURNED}),
    CertificateStatus.RETURNED: frozenset(),
    CertificateStatus.REVOKED: frozenset(),
}


class ReportChannel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online")
    LETTER = "letter", pgettext_lazy("report", "Letter")


class ChangeKind(models.TextChoices):
    """The status changes a branch proposes and the higher committee approves (DOMAIN.md §3)."""

    FULL = "full", _("Probationary to full membership")
    SUSPEND = "suspend", _("Suspension for lost contact (停止党籍)")
    LAPSE = "lapse", _("Lapse (自行脱党)")
    REMOVE = "remove", _("Removal (除名)")
    EXPEL = "expel", _("Expulsion (开除党籍)")
    DEATH = "death", _("Death")
    EXTEND = "extend", _("Extension of probation (延长预备期)")


#: The member status each kind of change leads to (``members.MemberStatus`` values). An extension
#: of probation changes no status (the member stays probationary; the full-membership date moves).
KIND_TARGET: dict[str, str] = {
    ChangeKind.FULL: "full",
    ChangeKind.SUSPEND: "suspended",
    ChangeKind.LAPSE: "lapsed",
    ChangeKind.REMOVE: "removed",
    ChangeKind.EXPEL: "expelled",
    ChangeKind.DEATH: "deceased",
}


class LapseGround(models.TextChoices):
    LOST_CONTACT = "lost_contact", _("Still unreachable two years after losing contact")
    DUES_ARREARS = "dues_arrears", _("Six consecutive months of dues unpaid without valid reason")
    OTHER = "other", _("Other (unwilling to fulfil a member's duties)")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


REQUEST_TRANSITIONS: dict[str, frozenset[str]] = {
    RequestStatus.PENDING: frozenset({RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.WITHDRAWN}),
    RequestStatus.APPROVED: frozenset(),
    RequestStatus.REJECTED: frozenset(),
    RequestStatus.WITHDRAWN: frozenset(),
}
