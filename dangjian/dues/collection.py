"""The yearly public notice of dues (党费公示) and dues handed up to the committee above (上缴).

Public notice: a branch publishes, once a year, what each of its members paid (DOMAIN.md §5). The
notice is frozen when published (re-publishing replaces it) and shows only what members may see
of each other: the name, which months are paid, and the year's amount — never the base (it would
give the salary), the category, the reason for a reduction, an ID number or a phone number.

Hand-over: a branch records what it collected in a month or quarter and what it handed up to the
committee above; that committee confirms it (or returns it with a note, after which the branch
records it again). The ledger shows the totals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.models import RoleAssignment
from dangjian.core.notifications import notify
from dangjian.core.roles import roles_with
from dangjian.core.scoping import require
from dangjian.core.ui import safe_reverse
from dangjian.dues import BillStatus, HandoverStatus, PaymentStatus
from dangjian.dues.billing import add_months, current_month, month_start
from dangjian.dues.calc import cents_to_yuan
from dangjian.dues.models import Bill, DuesHandover, DuesNotice, Payment
from dangjian.dues.reconcile import day_range
from dangjian.orgs.models import Organization

PERM_MANAGE = "dues.manage"


# --- public notice ------------------------------------------------------------------------------

@dataclass
class NoticeData:
    rows: list[dict[str, Any]]
    due_cents: int
    paid_cents: int
    voluntary_cents: int


def notice_data(org: Organization, year: int) -> NoticeData:
    """What the notice of ``org`` for ``year`` shows, from its members' bills (the bills of the
    organization, so a member who moved away keeps their months here)."""
    months: dict[int, list[str]] = defaultdict(lambda: [""] * 12)
    names: dict[int, tuple[str, str]] = {}
    paid: dict[int, int] = defaultdict(int)
    due = 0
    for member_id, name, pinyin, month, status, cents in Bill.objects.filter(
            organization=org, month__gte=dt.date(year, 1, 1), month__lte=dt.date(year, 12, 1)).values_list(
            "member_id", "member__person__name", "member__person__name_pinyin", "month", "status", "amount_cents"):
        names[member_id] = (pinyin, name)
        months[member_id][month.month - 1] = status
        if status != BillStatus.EXEMPT:
            due += cents
        if status == BillStatus.PAID:
            paid[member_id] += cents
    start, _end = day_range(dt.date(year, 1, 1))
    end, _e = day_range(dt.date(year + 1, 1, 1))
    voluntary = Payment.objects.filter(org_path=org.path, status=PaymentStatus.PAID, paid_at__gte=start,
                                       paid_at__lt=end).aggregate(s=Sum("voluntary_cents"))["s"] or 0
    rows = [{"name": names[m][1], "months": months[m], "paid_cents": paid[m], "paid_yuan": cents_to_yuan(paid[m])}
            for m in sorted(names, key=lambda m: names[m])]
    return NoticeData(rows, due, sum(paid.values()), int(voluntary))


def do_publish_notice(org: Organization, year: int, *, acting_user: ActingUser) -> DuesNotice:
    """Publish (or publish again) the branch's notice for ``year``; its members are told."""
    require(acting_user, PERM_MANAGE, org.path)
    if not 2000 <= int(year) <= timezone.localdate().year:
        raise ValidationError({"year": _("The notice is for a year that has begun.")})
    data = notice_data(org, int(year))
    if not data.rows:
        raise ValidationError({"year": _("No dues bills of %(year)d for this organization.") % {"year": int(year)}})
    with transaction.atomic():
        notice, created = DuesNotice.objects.select_for_update().get_or_create(
            organization=org, year=int(year), defaults={"org_path": org.path})
        notice.org_path, notice.rows = org.path, data.rows
        notice.total_due_cents, notice.total_paid_cents = data.due_cents, data.paid_cents
        notice.voluntary_cents = data.voluntary_cents
        notice.published_by, notice.published_at = as_user(acting_user), timezone.now()
        notice.save()
        audit.record(acting_user, "dues.notice_published", notice,
                     after={"year": int(year), "members": len(data.rows), "paid_cents": data.paid_cents,
                            "republished": not created}, org_path=org.path, target_label=f"{org.name} {year}")
        user_ids = list(org.members.filter(person__user__isnull=False).values_list("person__user_id", flat=True))
        url = safe_reverse("dues:notice") or ""
        transaction.on_commit(lambda: notify(
            user_ids, "dues.notice_published",
            title=_("%(org)s: party dues notice for %(year)d") % {"org": org.name, "year": int(year)}, url=url))
    return notice


# --- hand-over ----------------------------------------------------------------------------------

def collected_cents(org: Organization, first: dt.date, last: dt.date) -> int:
    """Dues and voluntary dues paid (and not refunded) in the months ``first``..``last`` (by the
    day the payment was made) by the organization's own members — except what floating members
    paid to their host branch — and by floating members it hosts."""
    start, _e = day_range(month_start(first))
    end, _e2 = day_range(add_months(month_start(last), 1))
    own = Q(org_path=org.path, collected_org__isnull=True) | Q(collected_org=org)  # floating members pay where they are
    return int(Payment.objects.filter(own, status=PaymentStatus.PAID, paid_at__gte=start,
                                      paid_at__lt=end).aggregate(s=Sum("amount_cents"))["s"] or 0)


def _period(first: Any, months: Any) -> tuple[dt.date, dt.date]:
    errors: dict[str, str] = {}
    if months not in (1, 3, "1", "3"):
        errors["months"] = _("Hand up a month or a quarter.")
    if not isinstance(first, dt.date):
        errors["period_start"] = _("Choose the first month of the period.")
    if errors:
        raise ValidationError(errors)
    first, n = month_start(first), int(months)
    if n == 3 and first.month not in (1, 4, 7, 10):
        raise ValidationError({"period_start": _("A quarter begins in January, April, July or October.")})
    last = add_months(first, n - 1)
    if last >= current_month():
        raise ValidationError({"period_start": _("Only a month or quarter that has ended can be handed up.")})
    return first, last


def do_hand_up_dues(org: Organization, *, period_start: Any, months: Any, handed_up_cents: Any,
                    reference: str = "", note: str = "", acting_user: ActingUser) -> DuesHandover:
    """The branch records the dues it hands up for a month or quarter that has ended."""
    require(acting_user, PERM_MANAGE, org.path)
    parent = org.get_parent()
    if parent is None:
        raise ValidationError({"organization": _("The top organization has no committee above to hand up to.")})
    first, last = _period(period_start, months)
    collected = collected_cents(org, first, last)
    if isinstance(handed_up_cents, bool) or not isinstance(handed_up_cents, int) or handed_up_cents < 0:
        raise ValidationError({"handed_up": _("The amount handed up must be 0 or more yuan.")})
    if handed_up_cents > collected:
        raise ValidationError({"handed_up": _("More than the %(amount)s yuan collected in the period.")
                               % {"amount": cents_to_yuan(collected)}})
    with transaction.atomic():
        overlapping = DuesHandover.objects.select_for_update().filter(
            organization=org, period_start__lte=last, period_end__gte=first).exclude(status=HandoverStatus.RETURNED)
        if overlapping.exists():
            raise ValidationError({"period_start": _("This period is already handed up.")})
        handover = DuesHandover.objects.create(
            organization=org, org_path=org.path, to_organization=parent, period_start=first, period_end=last,
            collected_cents=collected, handed_up_cents=handed_up_cents, reference=(reference or "").strip()[:100],
            note=(note or "").strip()[:200], handed_up_by=as_user(acting_user))
        audit.record(acting_user, "dues.handed_up", handover,
                     after={"period": f"{first:%Y-%m}..{last:%Y-%m}", "collected_cents": collected,
                            "handed_up_cents": handed_up_cents}, org_path=org.path, target_label=org.name)
        managers = list(RoleAssignment.objects.filter(organization=parent, role__in=roles_with(PERM_MANAGE),
                                                      user__is_active=True).values_list("user_id", flat=True))
        url = (safe_reverse("dues:handovers") or "") + f"?org={parent.pk}"
        transaction.on_commit(lambda: notify(
            managers, "dues.handed_up", title=_("%(org)s handed up %(amount)s yuan of party dues")
            % {"org": org.name, "amount": cents_to_yuan(handed_up_cents)}, url=url))
    return handover


def do_decide_handover(handover: DuesHandover, *, confirm: bool, note: str = "", acting_user: ActingUser) -> DuesHandover:
    """The committee above confirms receipt, or returns the record (with the reason)."""
    require(acting_user, PERM_MANAGE, handover.to_organization.path)
    note = (note or "").strip()
    if not confirm and len(note) < 2:
        raise ValidationError({"decision_note": _("Say why the hand-over is returned.")})
    new = HandoverStatus.CONFIRMED if confirm else HandoverStatus.RETURNED
    with transaction.atomic():
        locked = DuesHandover.objects.select_for_update().get(pk=handover.pk)
        locked.check_transition(new)
        before = {"status": locked.status}
        locked.status, locked.decided_by, locked.decided_at = new, as_user(acting_user), timezone.now()
        locked.decision_note = note[:200]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit.record(acting_user, "dues.handover_confirmed" if confirm else "dues.handover_returned", locked,
                     before=before, after={"status": new},
                     reason=note[:200], org_path=locked.org_path, target_label=str(locked.organization_id))
    return locked


# --- exports of the notice --------------------------------------------------------------

NOTICE_MARKS = {"paid": "✓", "due": "✗", "": "·"}  # "exempt" is a word (translated)


@dataclass
class NoticeSheet:
    """What a notice export shows: exactly the screen's rows and totals (names, months, amounts)."""

    org_name: str
    year: int
    rows: list[dict[str, Any]]
    paid_cents: int
    voluntary_cents: int
    published_at: dt.datetime | None
    preview: bool  # live figures (the branch's preview), not the published version

    @property
    def paid_yuan(self) -> str:
        return cents_to_yuan(self.paid_cents)

    @property
    def voluntary_yuan(self) -> str:
        return cents_to_yuan(self.voluntary_cents)

    def marks(self, row: dict[str, Any]) -> list[str]:
        return [NOTICE_MARKS.get(s, _("exempt") if s == BillStatus.EXEMPT else "·") for s in row["months"]]


def _sheet_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the notice's own fields, whatever else a row may carry (the personal-data rule)."""
    return [{"name": r["name"], "months": list(r["months"]), "paid_cents": int(r["paid_cents"]),
             "paid_yuan": cents_to_yuan(int(r["paid_cents"]))} for r in rows]


def notice_sheet_live(org: Organization, year: int, data: NoticeData, published: DuesNotice | None) -> NoticeSheet:
    """The branch's preview: live figures, as its page shows them."""
    return NoticeSheet(org.name, year, _sheet_rows(data.rows), data.paid_cents, data.voluntary_cents,
                       published.published_at if published else None, preview=True)


def notice_sheet_published(notice: DuesNotice, org_name: str) -> NoticeSheet:
    """The members' notice: the rows frozen when it was published."""
    return NoticeSheet(org_name, notice.year, _sheet_rows(notice.rows), notice.total_paid_cents,
                       notice.voluntary_cents, notice.published_at, preview=False)
