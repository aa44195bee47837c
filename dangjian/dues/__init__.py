"""Party dues (S13): bases, exact calculation, bills, payment, ledgers, arrears (issue 4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DuesCategory(models.TextChoices):
    """How a member's monthly dues are worked out (DOMAIN.md §5)."""

    IN_SERVICE = "in_service", _("In-service member (monthly salary)")
    RETIRED = "retired", _("Retired member (monthly pension)")
    FARMER = "farmer", _("Farmer member")
    STUDENT = "student", _("Student member")
    UNEMPLOYED = "unemployed", _("Laid-off or unemployed member")
    RELIEF = "relief", _("Member receiving the minimum living allowance")
    ANNUAL_SALARY = "annual_salary", _("Member on an annual salary (amount received this month)")
    SELF_EMPLOYED = "self_employed", _("Self-employed member (last quarter's average monthly net income)")


#: Categories whose dues are a percentage of a monthly base.
RATE_CATEGORIES = frozenset({
    DuesCategory.IN_SERVICE, DuesCategory.RETIRED, DuesCategory.ANNUAL_SALARY, DuesCategory.SELF_EMPLOYED,
})
#: Categories paying a fixed monthly amount (no base needed).
FLAT_CATEGORIES = frozenset({
    DuesCategory.FARMER, DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.RELIEF,
})


class BaseStatus(models.TextChoices):
    """A member's dues base: reported (by the member or a treasurer), checked by the branch."""

    SUBMITTED = "submitted", _("Waiting for the branch to check")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Returned")
    SUPERSEDED = "superseded", _("Replaced by a later base")


class BaseSource(models.TextChoices):
    SELF_REPORT = "self_report", _("Reported by the member")
    BRANCH = "branch", _("Entered by the branch")
    IMPORT = "import", _("Imported from Excel")


class ReliefKind(models.TextChoices):
    REDUCTION = "reduction", _("Reduction")
    EXEMPTION = "exemption", _("Exemption")


class ReliefStatus(models.TextChoices):
    """Reduction/exemption: the branch proposes, the committee above decides (DOMAIN.md §5)."""

    PROPOSED = "proposed", _("Proposed by the branch")
    APPROVED = "approved", _("Approved by the higher committee")
    REJECTED = "rejected", _("Rejected by the higher committee")
    WITHDRAWN = "withdrawn", _("Withdrawn by the branch")


RELIEF_TRANSITIONS: dict[str, frozenset[str]] = {
    ReliefStatus.PROPOSED: frozenset({ReliefStatus.APPROVED, ReliefStatus.REJECTED, ReliefStatus.WITHDRAWN}),
    ReliefStatus.APPROVED: frozenset(),
    ReliefStatus.REJECTED: frozenset(),
    ReliefStatus.WITHDRAWN: frozenset(),
}


class BillStatus(models.TextChoices):
    DUE = "due", _("Unpaid")
    PAID = "paid", _("Paid")
    EXEMPT = "exempt", _("Exempted")


class PaymentChannel(models.TextChoices):
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CASH = "cash", _("Cash")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


ONLINE_CHANNELS = frozenset({PaymentChannel.WECHAT, PaymentChannel.ALIPAY})
OFFLINE_CHANNELS = frozenset({PaymentChannel.CASH, PaymentChannel.BANK_TRANSFER})


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Waiting for payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", pgettext_lazy("payment", "Failed")
    CLOSED = "closed", pgettext_lazy("payment", "Closed")
    REFUNDED = "refunded", _("Refunded")


PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.CREATED: frozenset({PaymentStatus.PENDING, PaymentStatus.PAID, PaymentStatus.FAILED,
                                      PaymentStatus.CLOSED}),
    PaymentStatus.PENDING: frozenset({PaymentStatus.PAID, PaymentStatus.FAILED, PaymentStatus.CLOSED}),
    # a payment the gateway reports as paid after we closed it locally still counts (money was taken)
    PaymentStatus.CLOSED: frozenset({PaymentStatus.PAID}),
    PaymentStatus.FAILED: frozenset({PaymentStatus.PAID}),
    PaymentStatus.PAID: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.REFUNDED: frozenset(),
}


class NotificationOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DUPLICATE = "duplicate", _("Duplicate (already applied)")
    BAD_SIGNATURE = "bad_signature", _("Bad signature")
    UNKNOWN_ORDER = "unknown_order", _("Unknown order")
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount does not match the order")
    NOT_SUCCESS = "not_success", _("Not a successful payment")
    MALFORMED = "malformed", _("Malformed")
    UNKNOWN_REFUND = "unknown_refund", _("Unknown refund")


class ArrearsLevel(models.IntegerChoices):
    """Consecutive unpaid months that trigger a step (DOMAIN.md §5)."""

    REMINDER = 1, _("Reminder to the member")
    WARNING = 3, _("Warning to the branch (3 months unpaid)")
    LAPSE_ALERT = 6, _("Lapse alert (6 months unpaid): the branch decides")


class ArrearsStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("reconciliation", "Open")
    PAID = "paid", _("Settled by payment")
    VALID_REASON = "valid_reason", _("Valid reason accepted by the branch")
    LAPSE_DECIDED = "lapse_decided", _("Branch decided: treated as lapsed")


class ReconciliationStatus(models.TextChoices):
    """One day's comparison of our payments with a gateway's trade bill."""

    MATCHED = "matched", _("Matched")
    MISMATCHED = "mismatched", _("Mismatches found")
    FAILED = "failed", _("Bill not available")


class MismatchKind(models.TextChoices):
    MISSING_HERE = "missing_here", _("Paid at the gateway, not recorded here")
    MISSING_AT_GATEWAY = "missing_at_gateway", _("Recorded here, not in the gateway's bill")
    AMOUNT_DIFFERS = "amount_differs", _("Amounts differ")


class BillEntryKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")


class HandoverStatus(models.TextChoices):
    """Dues collected by a branch and handed up to the committee above (上缴)."""

    HANDED_UP = "handed_up", _("Handed up, waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed by the committee above")
    RETURNED = "returned", _("Returned by the committee above")


HANDOVER_TRANSITIONS: dict[str, frozenset[str]] = {
    HandoverStatus.HANDED_UP: frozenset({HandoverStatus.CONFIRMED, HandoverStatus.RETURNED}),
    HandoverStatus.CONFIRMED: frozenset(),
    HandoverStatus.RETURNED: frozenset(),
}


class ConsentKind(models.TextChoices):
    """What a branch may allow a member besides paying monthly in person (DOMAIN.md §5)."""

    QUARTERLY = "quarterly", _("Paying by the quarter")
    PROXY = "proxy", _("Paying through a proxy")


class ConsentStatus(models.TextChoices):
    ACTIVE = "active", _("In force")
    REVOKED = "revoked", _("Revoked")


class NotificationEvent(models.TextChoices):
    """What a gateway notification is about."""

    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")


class RefundStatus(models.TextChoices):
    """A refund asked of a gateway (WeChat Pay's refund states; Alipay answers at once or is queried).
    PROCESSING until the gateway says how it ended: notification, query or its answer."""

    PROCESSING = "processing", _("Refund in progress")
    SUCCESS = "success", _("Refunded")
    ABNORMAL = "abnormal", _("Refund failed: the payer's account could not take it")
    CLOSED = "closed", _("Refund closed by the payment service")
    REFUSED = "refused", _("Refused by the payment service")


#: refund states that are final (nothing more will come from the gateway)
REFUND_FINAL = frozenset({RefundStatus.SUCCESS, RefundStatus.ABNORMAL, RefundStatus.CLOSED, RefundStatus.REFUSED})
