"""The dues to-dos and workbench figure (issue 14), read from the records as they are now.

- ``dues.arrears`` — members behind with dues, one item per branch ("N members in arrears"),
  linking to the arrears page of that branch: the same bills the arrears page lists
  (``selectors.arrears_bills``). An item goes when the branch's members have paid.
- ``dues.handovers`` — dues a branch collected in cash or by transfer and handed up, waiting for
  the committee above to confirm receipt (the module's only "unconfirmed" offline money: an
  offline payment itself is recorded as paid by the treasurer who took it). The item is the
  receiving committee's; it goes when the hand-over is confirmed or returned.

Both are scoped with ``dues.manage``; each count is one query and each list one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dangjian.core.scoping import has_any, scoped
from dangjian.core.todos import Todo
from dangjian.core.ui import safe_reverse
from dangjian.core.workdays import deadline
from dangjian.dues import BillStatus, HandoverStatus
from dangjian.dues.actions import PERM_MANAGE
from dangjian.dues.billing import add_months, current_month
from dangjian.dues.models import Bill, DuesHandover
from dangjian.dues.selectors import arrears_bills

#: Working days the committee above has to confirm a hand-over.
HANDOVER_WORKDAYS = 5


def arrears_count(user: Any) -> int:
    """Branches with members in arrears (one query)."""
    return arrears_bills(user).values("organization_id").distinct().count()


def arrears_items(user: Any, limit: int) -> list[Todo]:
    """One item per branch: its members in arrears, the branch with the oldest unpaid month first.
    Due at the end of this month; urgent when some bill is three months old or more."""
    rows = (arrears_bills(user).values("organization_id", "organization__name")
            .annotate(n=Count("member_id", distinct=True), first=Min("month"))
            .order_by("first", "-n", "organization_id")[:max(limit, 0)])
    this_month = current_month()
    due = add_months(this_month, 1) - dt.timedelta(days=1)
    url = safe_reverse("dues:arrears") or ""
    return [Todo(
        title=ngettext("%(n)d member in arrears", "%(n)d members in arrears", r["n"]) % {"n": r["n"]},
        url=f"{url}?org={r['organization_id']}", org=r["organization__name"], due=due,
        urgent=r["first"] <= add_months(this_month, -3), ref=f"dues.arrears:{r['organization_id']}",
    ) for r in rows]


def _handovers(user: Any) -> QuerySet[DuesHandover]:
    # The receiving committee confirms (``do_decide_handover`` requires dues.manage on it).
    return scoped(DuesHandover.objects.filter(status=HandoverStatus.HANDED_UP), user, PERM_MANAGE,
                  path_field="to_organization__path")


def handover_count(user: Any) -> int:
    return _handovers(user).count()


def handover_items(user: Any, limit: int) -> list[Todo]:
    rows = _handovers(user).select_related("organization").order_by("handed_up_at", "pk")[:max(limit, 0)]
    url = safe_reverse("dues:handovers") or ""
    today = timezone.localdate()
    items = []
    for h in rows:
        due = deadline(timezone.localtime(h.handed_up_at).date(), HANDOVER_WORKDAYS)
        items.append(Todo(
            title=_("Confirm the dues handed up for %(first)s–%(last)s") % {
                "first": f"{h.period_start:%Y-%m}", "last": f"{h.period_end:%Y-%m}"},
            url=f"{url}?org={h.to_organization_id}", org=h.organization.name, due=due, urgent=due <= today,
            ref=f"dues.handover:{h.pk}"))
    return items


def workbench_cards(request: HttpRequest) -> Iterable[dict[str, Any]]:
    """This month's collection rate (bills paid of bills due, exemptions left out) in the user's
    subtree. One query."""
    user = request.user
    if not has_any(user, PERM_MANAGE):
        return []
    month = current_month()
    totals = scoped(Bill.objects.filter(month=month), user, PERM_MANAGE, path_field="org_path").aggregate(
        due=Count("pk", filter=~Q(status=BillStatus.EXEMPT)), paid=Count("pk", filter=Q(status=BillStatus.PAID)))
    due, paid = int(totals["due"] or 0), int(totals["paid"] or 0)
    value = f"{round(100 * paid / due)} % ({paid}/{due})" if due else "—"
    return [{
        "label": _("Dues collected this month (%(month)s)") % {"month": f"{month:%Y-%m}"},
        "value": value,
        "url": safe_reverse("dues:ledger"),
        "link": _("Open the dues ledger"),
        "order": 30,
    }]
