"""Arrears (DOMAIN.md §5): reminders to the member, a warning to the branch at 3 consecutive unpaid
months, an alert at 6 that opens the branch's decision on treating the member as lapsed (自行脱党).
The decision is the branch's, recorded with ``do_decide_arrears``; nothing changes a membership here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.models import RoleAssignment
from dangjian.core.notifications import notify
from dangjian.core.roles import roles_with
from dangjian.core.scoping import require
from dangjian.core.ui import safe_reverse
from dangjian.dues import ArrearsLevel, ArrearsStatus, BillStatus
from dangjian.dues.billing import add_months, current_month
from dangjian.dues.calc import cents_to_yuan
from dangjian.dues.models import ArrearsAlert, Bill
from dangjian.members import CURRENT_STATUSES

LOOKBACK = 6


@dataclass
class Streak:
    member_id: int
    start: dt.date
    months: int
    cents: int


def unpaid_streaks(last_month: dt.date, *, org_path: str = "") -> list[Streak]:
    """Members whose bills are unpaid for consecutive months ending at ``last_month`` (up to 6)."""
    first = add_months(last_month, -(LOOKBACK - 1))
    qs = Bill.objects.filter(month__gte=first, month__lte=last_month,
                             member__status__in=list(CURRENT_STATUSES))
    if org_path:
        qs = qs.filter(org_path__startswith=org_path)
    by_member: dict[int, dict[dt.date, tuple[str, int]]] = defaultdict(dict)
    for member_id, month, status, cents in qs.values_list("member_id", "month", "status", "amount_cents"):
        by_member[member_id][month] = (status, cents)
    streaks = []
    for member_id, months in by_member.items():
        n, cents, month = 0, 0, last_month
        while n < LOOKBACK and months.get(month, ("", 0))[0] == BillStatus.DUE:
            n += 1
            cents += months[month][1]
            month = add_months(month, -1)
        if n:
            streaks.append(Streak(member_id, add_months(last_month, -(n - 1)), n, cents))
    return streaks


def _branch_managers(org_ids: set[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for org_id, user_id in RoleAssignment.objects.filter(
            organization_id__in=org_ids, role__in=roles_with("dues.manage"), user__is_active=True,
    ).values_list("organization_id", "user_id"):
        out[org_id].append(user_id)
    return out


def run_arrears_check(last_month: dt.date | None = None) -> dict[str, int]:
    """Create the missing steps for every unpaid streak (idempotent) and notify: the member at every
    step, the branch's dues managers at 3 and 6 months. Streaks that were paid are closed."""
    from dangjian.members.models import Member

    last_month = last_month or add_months(current_month(), -1)  # the month just ended
    streaks = unpaid_streaks(last_month)
    members = Member.objects.in_bulk([s.member_id for s in streaks])
    managers = _branch_managers({m.organization_id for m in members.values()})
    existing = set(ArrearsAlert.objects.filter(member_id__in=list(members)).values_list(
        "member_id", "level", "streak_start"))
    created = {1: 0, 3: 0, 6: 0}
    url = safe_reverse("dues:arrears") or ""
    with transaction.atomic():
        # alerts whose member has since paid everything up to last_month are closed
        open_alerts = ArrearsAlert.objects.filter(status=ArrearsStatus.OPEN).exclude(
            member_id__in=[s.member_id for s in streaks])
        closed = open_alerts.update(status=ArrearsStatus.PAID)
        for streak in streaks:
            member = members[streak.member_id]
            for level in (ArrearsLevel.REMINDER, ArrearsLevel.WARNING, ArrearsLevel.LAPSE_ALERT):
                if streak.months < level or (member.pk, level.value, streak.start) in existing:
                    continue
                alert = ArrearsAlert.objects.create(member=member, org_path=member.org_path, level=level,
                                                    streak_start=streak.start, months_unpaid=streak.months,
                                                    unpaid_cents=streak.cents)
                created[level.value] += 1
                audit.record("scheduler", "dues.arrears_alert", alert,
                              after={"level": level.value, "months": streak.months, "cents": streak.cents},
                              org_path=member.org_path, target_label=str(member.pk))
                _notify(alert, member, managers.get(member.organization_id, []), url)
    return {"reminders": created[1], "warnings": created[3], "lapse_alerts": created[6], "closed": closed}


def _notify(alert: ArrearsAlert, member: Any, manager_ids: list[int], url: str) -> None:
    amount = cents_to_yuan(alert.unpaid_cents)
    person = member.person
    if person.user_id:
        notify([person.user_id], "dues.arrears_reminder",
               title=_("Party dues unpaid for %(n)d month(s)") % {"n": alert.months_unpaid},
               body=_("%(amount)s yuan unpaid since %(month)s. Please pay online or to your branch.")
               % {"amount": amount, "month": f"{alert.streak_start:%Y-%m}"},
               url=safe_reverse("dues:my") or "")
    if alert.level == ArrearsLevel.WARNING and manager_ids:
        notify(manager_ids, "dues.arrears_warning",
               title=_("%(name)s: dues unpaid for 3 months") % {"name": person.name},
               body=_("Talk with the member and set a deadline (%(amount)s yuan unpaid since %(month)s).")
               % {"amount": amount, "month": f"{alert.streak_start:%Y-%m}"}, url=url)
    if alert.level == ArrearsLevel.LAPSE_ALERT and manager_ids:
        notify(manager_ids, "dues.arrears_lapse",
               title=_("%(name)s: dues unpaid for 6 months") % {"name": person.name},
               body=_("Six consecutive months without valid reason: the branch must decide whether the member "
                      "is treated as lapsed. Record the branch's decision."), url=url)


def do_decide_arrears(alert: ArrearsAlert, *, decision: str, note: str, acting_user: ActingUser) -> ArrearsAlert:
    """The branch records its decision on a 6-month alert: a valid reason, or treated as lapsed.
    The membership itself is changed only through the members module by the people entitled to."""
    require(acting_user, "dues.manage", alert.org_path)
    note = (note or "").strip()
    if decision not in (ArrearsStatus.VALID_REASON, ArrearsStatus.LAPSE_DECIDED):
        raise ValidationError({"decision": _("Choose the branch's decision.")})
    if len(note) < 4:
        raise ValidationError({"decision_note": _("Record the branch meeting's decision (at least 4 characters).")})
    with transaction.atomic():
        alert = ArrearsAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.level != ArrearsLevel.LAPSE_ALERT or alert.status != ArrearsStatus.OPEN:
            raise ValidationError({"decision": _("Only an open 6-month alert takes a branch decision.")})
        alert.status, alert.decided_by, alert.decided_at = decision, as_user(acting_user), timezone.now()
        alert.decision_note = note[:500]
        alert.save()
        audit.record(acting_user, "dues.arrears_decided", alert, after={"decision": decision}, reason=note[:200],
                     org_path=alert.org_path, target_label=str(alert.member_id))
    return alert
