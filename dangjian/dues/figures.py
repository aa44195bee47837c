"""The dues module's statistics figures (issue 15), registered in ``core.hooks``.

"As of" a day is read from the bills' and payments' own timestamps: a bill counts from its
creation (``created_at``), as paid from ``paid_at``; a payment from ``paid_at``, and a refunded
one until ``refunded_at``. A month's dues are "behind" once the month has ended (the arrears
page's rule, ``selectors.arrears_bills``, read at the end of the day; months from
``FIRST_MONTH``). An exemption keeps no date: an exempted bill is left out whenever it was
exempted, and a refund that makes a bill due again makes it count as unpaid before the refund
too. Money is summed in cents and shown in yuan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dangjian.core.hooks import Dimension, Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.core.stats import rate
from dangjian.dues import BillStatus, PaymentChannel, PaymentStatus
from dangjian.dues.actions import PERM_MANAGE
from dangjian.dues.billing import add_months, month_start, months_between
from dangjian.dues.calc import cents_to_yuan
from dangjian.dues.models import Bill, Payment
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member

#: The dues pages are the branch treasurers' (``dues.manage``); the module has no read-only permission.
PERM = PERM_MANAGE


def day_end(as_of: dt.date) -> dt.datetime:
    """The end of the day ``as_of`` (the first instant of the next day, local time)."""
    return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min),
                               timezone.get_default_timezone())


def year_start(as_of: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(dt.date(as_of.year, 1, 1), dt.time.min),
                               timezone.get_default_timezone())


def _today_or_later(as_of: dt.date) -> bool:
    """Nothing has been made or paid after the end of today: the bills as they are now answer
    (the ledger's index alone, no row lookups)."""
    return as_of >= timezone.localdate()


def unpaid_on(as_of: dt.date) -> Q:
    """Bills that existed at the end of the day and were not paid (nor exempted) by then."""
    if _today_or_later(as_of):
        return Q(status=BillStatus.DUE)
    end = day_end(as_of)
    return Q(created_at__lt=end) & (Q(status=BillStatus.DUE) | Q(status=BillStatus.PAID, paid_at__gte=end))


def paid_by(as_of: dt.date) -> Q:
    if _today_or_later(as_of):
        return Q(status=BillStatus.PAID)
    return Q(status=BillStatus.PAID, paid_at__lt=day_end(as_of))


#: The first month whose bills the figures read (the platform keeps no older ones).
FIRST_MONTH = dt.date(2000, 1, 1)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from ``first`` to ``last``. The figures ask for bills by this list, not by a
    range: ``month = ? AND org_path`` range, month after month, is the ledger's covering index
    (``dues_bill_ledger_cover_idx``) on SQLite, where a range picks the path index and looks up
    every bill's row (≈8× slower over a county's year)."""
    return [add_months(first, i) for i in range(months_between(first, last) + 1)] if first <= last else []


def overdue_bills(org_path: str, as_of: dt.date) -> QuerySet[Bill]:
    """Bills of the subtree for months ended by the end of the day, unpaid then."""
    last_ended = add_months(month_start(as_of + dt.timedelta(days=1)), -1)
    return Bill.objects.filter(subtree_q(org_path, "org_path"), unpaid_on(as_of),
                               month__in=months(FIRST_MONTH, last_ended))


def arrears(org_path: str, as_of: dt.date) -> QuerySet[Member]:
    """Members behind with dues at the end of the day: a bill of theirs under the organization for a
    month already ended, unpaid then; members still on the roll then (current now, or whose status
    changed after the day)."""
    bills = overdue_bills(org_path, as_of)
    own = bills.filter(member=OuterRef("pk")).order_by().values("member")
    return (Member.objects.filter(pk__in=bills.values("member_id"))
            .filter(Q(status__in=list(CURRENT_STATUSES)) | Q(status_changed_on__gt=as_of))
            .annotate(unpaid_months=Coalesce(Subquery(own.annotate(n=Count("pk")).values("n")[:1]), 0),
                      unpaid_cents=Coalesce(Subquery(own.annotate(c=Sum("amount_cents")).values("c")[:1]), 0,
                                            output_field=IntegerField()),
                      first_unpaid=Subquery(own.annotate(m=Min("month")).values("m")[:1]))
            .select_related("person", "organization")
            .only("pk", "org_path", "status", "person__name", "organization__name")
            .order_by("org_path", "pk"))


def arrears_row(m: Any) -> dict[str, Any]:
    return {"name": m.person.name, "branch": m.organization.name, "months": m.unpaid_months,
            "first": f"{m.first_unpaid:%Y-%m}" if m.first_unpaid else "", "unpaid": cents_to_yuan(m.unpaid_cents),
            "url": reverse("dues:record_payment", args=[m.pk])}


def collection_rate(org_path: str, as_of: dt.date) -> Decimal | None:
    """Bills (member-months) of January to the day's month, exemptions left out, that were paid by
    the end of the day, in per cent. One query."""
    bills = Bill.objects.filter(subtree_q(org_path, "org_path"),
                                month__in=months(dt.date(as_of.year, 1, 1), month_start(as_of))).exclude(
        status=BillStatus.EXEMPT)
    if not _today_or_later(as_of):
        bills = bills.filter(created_at__lt=day_end(as_of))
    totals = bills.aggregate(due=Count("pk"), paid=Count("pk", filter=paid_by(as_of)))
    return rate(totals["paid"] or 0, totals["due"] or 0)


def payments(org_path: str, as_of: dt.date) -> QuerySet[Payment]:
    """Payments of members of the subtree received from 1 January to the end of the day (a refund
    made later does not take it back on the day)."""
    end = day_end(as_of)
    return (Payment.objects.filter(subtree_q(org_path, "org_path"), paid_at__gte=year_start(as_of), paid_at__lt=end)
            .filter(Q(status=PaymentStatus.PAID) | Q(status=PaymentStatus.REFUNDED, refunded_at__gte=end))
            .select_related("member__person").only("pk", "out_trade_no", "org_path", "channel", "amount_cents",
                                                   "voluntary_cents", "paid_at", "member__person__name")
            .order_by("-paid_at", "-pk"))


def collected(org_path: str, as_of: dt.date) -> Decimal:
    """The amount of those payments, voluntary dues included, in yuan. One query."""
    cents = payments(org_path, as_of).aggregate(total=Sum("amount_cents"))["total"] or 0
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def payment_row(p: Payment) -> dict[str, Any]:
    return {"number": p.out_trade_no, "name": p.member.person.name, "amount": cents_to_yuan(p.amount_cents),
            "channel": p.get_channel_display(), "paid": timezone.localtime(p.paid_at).date() if p.paid_at else "",
            "url": reverse("dues:receipt", args=[p.out_trade_no])}


FIGURES = [
    Figure(key="dues.collection_rate", label=_("Dues collection rate"), module="dues", unit="%", perm=PERM,
           value=collection_rate, drill="dues.arrears", order=10, description=_(
               "Of the dues bills (one per member and month) of January to the month of the day, exemptions left "
               "out, the share paid by the end of the day. The current month's bills count although the month "
               "has not ended; members behind with ended months are listed under “Members in arrears”.")),
    Figure(key="dues.arrears", label=_("Members in arrears"), module="dues", unit=pgettext_lazy("unit", "people"),
           perm=PERM, rows=arrears, order=20,
           columns=[("name", _("Name")), ("branch", _("Branch")), ("months", _("Months unpaid")),
                    ("first", _("First unpaid month")), ("unpaid", _("Unpaid (yuan)"))], row=arrears_row,
           description=_(
               "Members with dues unpaid at the end of the day for a month that had ended (any year), as the "
               "arrears page counts them; exempted months are not owed.")),
    Figure(key="dues.collected", label=_("Dues collected this year"), module="dues", unit=pgettext_lazy("unit", "yuan"),
           perm=PERM, value=collected, drill="dues.payments", order=30, description=_(
               "Dues paid from 1 January to the day (online and recorded cash or bank transfers, voluntary dues "
               "included), in yuan; a payment refunded later still counts on the days before the refund.")),
    Figure(key="dues.payments", label=_("Dues payments this year"), module="dues",
           unit=pgettext_lazy("unit", "payments"), perm=PERM, rows=payments, order=40,
           dimensions={"channel": Dimension(_("Channel"), choices=PaymentChannel.choices, field="channel")},
           columns=[("number", _("Order number")), ("name", _("Name")), ("amount", _("Amount (yuan)")),
                    ("channel", _("Channel")), ("paid", _("Paid on"))], row=payment_row,
           description=_("Payments of dues from 1 January to the day, the records behind the amount collected.")),
]


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
