"""Party dues: bases, reductions/exemptions, monthly bills, payments and gateway notifications.

Money is integer cents everywhere. A month is stored as the DateField of its first day.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dangjian.dues import (
    HANDOVER_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    RELIEF_TRANSITIONS,
    ArrearsLevel,
    ArrearsStatus,
    BaseSource,
    BaseStatus,
    BillEntryKind,
    BillStatus,
    ConsentKind,
    ConsentStatus,
    DuesCategory,
    HandoverStatus,
    MismatchKind,
    NotificationEvent,
    NotificationOutcome,
    PaymentChannel,
    PaymentStatus,
    ReconciliationStatus,
    RefundStatus,
    ReliefKind,
    ReliefStatus,
)
from dangjian.dues.calc import cents_to_yuan


class DuesBase(models.Model):
    """A member's dues base for a year, effective from ``effective_month`` (1–12) of that year.

    The base of a later month in the same year replaces an earlier one from that month on (a new
    salary applies from the month it is first paid)."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_bases",
                               verbose_name=_("member"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))
    effective_month = models.PositiveSmallIntegerField(_("effective from month"), default=1)
    category = models.CharField(_("dues category"), max_length=20, choices=DuesCategory.choices)
    base_cents = models.BigIntegerField(_("monthly base (fen)"), null=True, blank=True)
    farmer_amount_cents = models.IntegerField(_("farmer amount (fen)"), null=True, blank=True)
    #: [{"item": "基本工资", "cents": 480000}, ...] as reported
    income_breakdown = models.JSONField(_("income breakdown"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=BaseStatus.choices, default=BaseStatus.SUBMITTED)
    source = models.CharField(_("source"), max_length=20, choices=BaseSource.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dues base")
        verbose_name_plural = _("dues bases")
        constraints = [
            models.UniqueConstraint(fields=["member", "year", "effective_month"], condition=Q(status="submitted"),
                                    name="dues_base_one_submitted_per_month"),
            models.UniqueConstraint(fields=["member", "year", "effective_month"], condition=Q(status="approved"),
                                    name="dues_base_one_approved_per_month"),
            models.CheckConstraint(condition=Q(effective_month__gte=1, effective_month__lte=12),
                                   name="dues_base_month_1_12"),
        ]
        indexes = [models.Index(fields=["member", "year", "status"], name="dues_base_member_year_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year}-{self.effective_month:02d}"

    @property
    def base_yuan(self) -> str:
        return cents_to_yuan(self.base_cents) if self.base_cents is not None else "—"


class DuesRelief(models.Model):
    """A reduction or exemption: proposed by the branch with reason and evidence, decided above."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_reliefs",
                               verbose_name=_("member"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ReliefKind.choices)
    from_month = models.DateField(_("from month"))
    to_month = models.DateField(_("to month"))
    monthly_cents = models.IntegerField(_("reduced monthly amount (fen)"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    evidence = models.TextField(_("evidence"))
    status = models.CharField(_("status"), max_length=20, choices=ReliefStatus.choices,
                              default=ReliefStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dues reduction or exemption")
        verbose_name_plural = _("dues reductions and exemptions")

    def check_transition(self, new_status: str) -> None:
        if new_status not in RELIEF_TRANSITIONS.get(self.status, frozenset()):
            raise ValidationError({"status": gettext("A reduction or exemption cannot go from “%(old)s” to “%(new)s”.")
                                   % {"old": ReliefStatus(self.status).label,
                                      "new": ReliefStatus(new_status).label
                                      if new_status in ReliefStatus.values else new_status}})


class Bill(models.Model):
    """One member's dues for one month. Unique per member and month: generation is idempotent."""

    # no index of its own: the (member, month) unique index leads with it
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_bills",
                               verbose_name=_("member"), db_index=False)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    org_path = models.CharField(max_length=255, editable=False)
    month = models.DateField(_("month"))
    category = models.CharField(_("dues category"), max_length=20, choices=DuesCategory.choices)
    base_cents = models.BigIntegerField(_("monthly base (fen)"), null=True, blank=True)
    amount_cents = models.BigIntegerField(_("amount (fen)"))
    basis = models.CharField(max_length=80)
    relief = models.ForeignKey(DuesRelief, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                               db_index=False)  # partial index below
    status = models.CharField(_("status"), max_length=10, choices=BillStatus.choices, default=BillStatus.DUE)
    payment = models.ForeignKey("Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="paid_bills",
                                db_index=False)  # partial index below
    paid_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dues bill")
        verbose_name_plural = _("dues bills")
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="dues_bill_member_month")]
        # Every index costs on each of the ≈1,000,000 inserts of a monthly generation: no (month,
        # status) index (no query needs it: month-first queries use the ledger's index) and no plain
        # member index (the unique one leads with member); payment and relief are NULL when a bill
        # is made, so their indexes hold only the rows that have one (``payment_id = …`` and
        # ``relief_id IN (…)`` imply NOT NULL: both databases use them). See docs/modules/dues.md.
        indexes = [
            models.Index(fields=["org_path", "month"], name="dues_bill_path_month_idx"),
            # the ledger's one GROUP BY reads the month's bills under a path from this index alone
            models.Index(fields=["month", "org_path", "status", "amount_cents"], name="dues_bill_ledger_cover_idx"),
            models.Index(fields=["payment"], condition=models.Q(payment__isnull=False), name="dues_bill_payment_idx"),
            models.Index(fields=["relief"], condition=models.Q(relief__isnull=False), name="dues_bill_relief_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.month:%Y-%m}"

    @property
    def amount_yuan(self) -> str:
        return cents_to_yuan(self.amount_cents)


class Payment(models.Model):
    """One payment (an order at a gateway, or cash / bank transfer recorded by the branch).

    ``amount_cents`` = the bills' amounts + ``voluntary_cents``; a gateway must confirm exactly it.
    """

    out_trade_no = models.CharField(_("order number"), max_length=32, unique=True)
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="dues_payments",
                               verbose_name=_("member"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=PaymentChannel.choices)
    status = models.CharField(_("status"), max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.CREATED)
    amount_cents = models.BigIntegerField(_("amount (fen)"))
    voluntary_cents = models.BigIntegerField(_("voluntary extra dues (fen)"), default=0)
    large_voluntary = models.BooleanField(_("voluntary payment of 1000 yuan or more"), default=False)
    bills = models.ManyToManyField(Bill, related_name="orders", blank=True)
    months_label = models.CharField(max_length=200, blank=True)
    gateway_txn_id = models.CharField(max_length=64, blank=True)
    pay_url = models.TextField(blank=True)
    pay_mode = models.CharField(max_length=10, blank=True)  # native / h5
    conflict = models.BooleanField(default=False)  # paid, but some bill had been paid by another payment
    reference = models.CharField(_("reference"), max_length=100, blank=True)  # bank-transfer reference
    last_error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    #: the host branch that took the payment of a floating member paying where they are (DOMAIN §8);
    #: empty when it is the member's own branch
    collected_org = models.ForeignKey("orgs.Organization", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("collected by"))
    collected_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    #: when the gateway says the payer paid (its bill's trade time; reconciliation matches on it)
    gateway_paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_no = models.CharField(max_length=64, blank=True)
    refund_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        indexes = [models.Index(fields=["org_path", "paid_at"], name="dues_payment_path_paid_idx"),
                   # the ledger's payments list, newest first: walked in order and filtered by path
                   models.Index(fields=["created_at"], name="dues_payment_created_idx"),
                   # the ledger's voluntary-dues total: the few payments with voluntary dues, by day
                   models.Index(fields=["paid_at", "org_path"], condition=Q(voluntary_cents__gt=0),
                                name="dues_payment_voluntary_idx")]

    def __str__(self) -> str:
        return self.out_trade_no

    def check_transition(self, new_status: str) -> None:
        if new_status not in PAYMENT_TRANSITIONS.get(self.status, frozenset()):
            raise ValidationError({"status": gettext("A payment cannot go from “%(old)s” to “%(new)s”.")
                                   % {"old": PaymentStatus(self.status).label,
                                      "new": PaymentStatus(new_status).label
                                      if new_status in PaymentStatus.values else new_status}})

    @property
    def amount_yuan(self) -> str:
        return cents_to_yuan(self.amount_cents)

    @property
    def voluntary_yuan(self) -> str:
        return cents_to_yuan(self.voluntary_cents)

    @property
    def paid_by_proxy(self) -> bool:
        """An online payment started by someone else than the member (a consented proxy)."""
        return bool(self.created_by_id and self.channel in ("wechat", "alipay")
                    and self.created_by_id != self.member.person.user_id)

    @property
    def dues_cents(self) -> int:
        return self.amount_cents - self.voluntary_cents


class PaymentNotification(models.Model):
    """Every asynchronous notification a gateway sent us, accepted or not."""

    channel = models.CharField(max_length=20, choices=PaymentChannel.choices)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=NotificationOutcome.choices)
    out_trade_no = models.CharField(max_length=64, blank=True, db_index=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="notifications")
    headers = models.JSONField(default=dict)
    body = models.TextField()
    detail = models.CharField(max_length=300, blank=True)
    #: a payment's notification or a refund's (WeChat Pay ``REFUND.*``, to the refund's notify URL)
    event = models.CharField(max_length=10, choices=NotificationEvent.choices, default=NotificationEvent.PAYMENT)
    out_refund_no = models.CharField(max_length=64, blank=True)
    refund = models.ForeignKey("DuesRefund", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="notifications")

    class Meta:
        verbose_name = _("payment notification")
        verbose_name_plural = _("payment notifications")


class ArrearsAlert(models.Model):
    """One step of the arrears procedure for one unpaid streak: a reminder (1 month), the branch
    warning (3) and the lapse alert (6). Unique per member, level and streak start, so the daily job
    never repeats itself. At 6 months the branch records its decision; nothing is automatic."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_arrears",
                               verbose_name=_("member"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    level = models.PositiveSmallIntegerField(_("level"), choices=ArrearsLevel.choices)
    streak_start = models.DateField(_("first unpaid month"))
    months_unpaid = models.PositiveSmallIntegerField(_("months unpaid"))
    unpaid_cents = models.BigIntegerField(_("amount unpaid (fen)"))
    status = models.CharField(_("status"), max_length=20, choices=ArrearsStatus.choices, default=ArrearsStatus.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("arrears alert")
        verbose_name_plural = _("arrears alerts")
        constraints = [models.UniqueConstraint(fields=["member", "level", "streak_start"],
                                               name="dues_arrears_once_per_streak")]

    @property
    def unpaid_yuan(self) -> str:
        return cents_to_yuan(self.unpaid_cents)


class Reconciliation(models.Model):
    """One day's trade bill of one gateway compared with our payments (Beijing date)."""

    channel = models.CharField(_("channel"), max_length=20, choices=PaymentChannel.choices)
    bill_date = models.DateField(_("bill date"))
    status = models.CharField(_("status"), max_length=20, choices=ReconciliationStatus.choices)
    gateway_count = models.PositiveIntegerField(_("payments in the gateway's bill"), default=0)
    gateway_cents = models.BigIntegerField(_("paid according to the gateway (fen)"), default=0)
    gateway_refund_cents = models.BigIntegerField(_("refunded according to the gateway (fen)"), default=0)
    local_count = models.PositiveIntegerField(_("payments recorded here"), default=0)
    local_cents = models.BigIntegerField(_("paid according to our records (fen)"), default=0)
    local_refund_cents = models.BigIntegerField(_("refunded according to our records (fen)"), default=0)
    mismatch_count = models.PositiveIntegerField(_("mismatches"), default=0)
    error = models.CharField(max_length=300, blank=True)
    file_sha1 = models.CharField(max_length=40, blank=True)
    runs = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        constraints = [models.UniqueConstraint(fields=["channel", "bill_date"], name="dues_reconciliation_day")]

    def __str__(self) -> str:
        return f"{self.channel} {self.bill_date}"

    @property
    def gateway_yuan(self) -> str:
        return cents_to_yuan(self.gateway_cents)

    @property
    def local_yuan(self) -> str:
        return cents_to_yuan(self.local_cents)


class ReconciliationItem(models.Model):
    """One mismatch found by a reconciliation (kept for the treasurers; rewritten on a re-run)."""

    reconciliation = models.ForeignKey(Reconciliation, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("mismatch"), max_length=20, choices=MismatchKind.choices)
    entry = models.CharField(_("entry"), max_length=10, choices=BillEntryKind.choices, default=BillEntryKind.PAYMENT)
    out_trade_no = models.CharField(_("order number"), max_length=64)
    gateway_txn_id = models.CharField(max_length=64, blank=True)
    gateway_cents = models.BigIntegerField(null=True, blank=True)
    local_cents = models.BigIntegerField(null=True, blank=True)
    local_status = models.CharField(max_length=10, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: the paying member's organization; the county root for an order we do not know at all
    org_path = models.CharField(max_length=255, db_index=True)
    #: settled by a county-level dues manager (what was done); kept when a re-run finds it again
    settled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("settled by"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_note = models.CharField(_("how it was settled"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reconciliation mismatch")
        verbose_name_plural = _("reconciliation mismatches")

    @property
    def gateway_yuan(self) -> str:
        return cents_to_yuan(self.gateway_cents) if self.gateway_cents is not None else "—"

    @property
    def local_yuan(self) -> str:
        return cents_to_yuan(self.local_cents) if self.local_cents is not None else "—"

    @property
    def local_status_label(self) -> str:
        return str(PaymentStatus(self.local_status).label) if self.local_status in PaymentStatus.values else "—"

    @property
    def settled(self) -> bool:
        return self.settled_at is not None

    @property
    def match_key(self) -> tuple[str, str, str]:
        """What identifies the same mismatch in a re-run of the day."""
        return (self.kind, self.entry, self.out_trade_no)


class DuesNotice(models.Model):
    """A branch's yearly public notice of dues (党费公示), frozen when the branch publishes it.

    ``rows``: ``[{"name": "张爱丽", "months": ["paid", "due", "exempt", "", …12], "paid_cents": 91800}]``
    — names only, as members see each other; no base, category, ID number or phone."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))
    rows = models.JSONField(default=list)
    total_due_cents = models.BigIntegerField(default=0)
    total_paid_cents = models.BigIntegerField(default=0)
    voluntary_cents = models.BigIntegerField(default=0)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dues public notice")
        verbose_name_plural = _("dues public notices")
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="dues_notice_org_year")]

    @property
    def total_paid_yuan(self) -> str:
        return cents_to_yuan(self.total_paid_cents)

    @property
    def total_due_yuan(self) -> str:
        return cents_to_yuan(self.total_due_cents)

    @property
    def voluntary_yuan(self) -> str:
        return cents_to_yuan(self.voluntary_cents)


class DuesHandover(models.Model):
    """Dues a branch collected in a month or quarter and handed up to the committee above (上缴),
    confirmed (or returned) by that committee."""

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    to_organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("handed up to"))
    period_start = models.DateField(_("first month"))
    period_end = models.DateField(_("last month"))
    collected_cents = models.BigIntegerField(_("collected (fen)"))
    handed_up_cents = models.BigIntegerField(_("handed up (fen)"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=HandoverStatus.choices,
                              default=HandoverStatus.HANDED_UP)
    handed_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    handed_up_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("dues handed up")
        verbose_name_plural = _("dues handed up")
        constraints = [models.UniqueConstraint(fields=["organization", "period_start"],
                                               condition=~Q(status="returned"), name="dues_handover_once_per_period")]
        indexes = [models.Index(fields=["org_path", "period_start"], name="dues_handover_path_idx")]

    def check_transition(self, new_status: str) -> None:
        if new_status not in HANDOVER_TRANSITIONS.get(self.status, frozenset()):
            raise ValidationError({"status": gettext("A hand-over cannot go from “%(old)s” to “%(new)s”.")
                                   % {"old": HandoverStatus(self.status).label,
                                      "new": HandoverStatus(new_status).label
                                      if new_status in HandoverStatus.values else new_status}})

    @property
    def collected_yuan(self) -> str:
        return cents_to_yuan(self.collected_cents)

    @property
    def handed_up_yuan(self) -> str:
        return cents_to_yuan(self.handed_up_cents)


class DuesConsent(models.Model):
    """The branch's consent for a member to pay by the quarter, or through a proxy (the user who
    may pay for them), recorded with its reason and the months it covers."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_consents",
                               verbose_name=_("member"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    proxy = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="dues_proxy_for", verbose_name=_("proxy"))
    from_month = models.DateField(_("from month"))
    to_month = models.DateField(_("to month"))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.ACTIVE)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dues consent")
        verbose_name_plural = _("dues consents")
        indexes = [models.Index(fields=["member", "kind", "status"], name="dues_consent_member_idx")]


class DuesRefund(models.Model):
    """One refund of a whole payment asked of its gateway (or recorded, for cash and bank
    transfer). ``processing`` until the gateway's notification, its answer or a query says how it
    ended; only then is the payment refunded (``success``) or left paid (``abnormal``, ``closed``,
    ``refused``). At most one refund of a payment is in progress or succeeded."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=PaymentChannel.choices)
    out_refund_no = models.CharField(_("refund number"), max_length=64, unique=True)
    amount_cents = models.BigIntegerField(_("amount (fen)"))
    status = models.CharField(_("status"), max_length=12, choices=RefundStatus.choices,
                              default=RefundStatus.PROCESSING)
    reason = models.CharField(_("reason"), max_length=200)
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    #: when the gateway says the money went back (``success_time`` / ``gmt_refund_pay``)
    gateway_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dues refund")
        verbose_name_plural = _("dues refunds")
        constraints = [models.UniqueConstraint(fields=["payment"], condition=Q(status__in=["processing", "success"]),
                                               name="dues_refund_one_live_per_payment")]
        indexes = [models.Index(fields=["status", "requested_at"], name="dues_refund_status_idx")]

    def __str__(self) -> str:
        return self.out_refund_no

    @property
    def amount_yuan(self) -> str:
        return cents_to_yuan(self.amount_cents)
