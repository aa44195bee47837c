"""Demo data for the dues module: bases and a few months of bills and payments for the demo
branch, written through the module's actions (small and fast at every scale)."""

from __future__ import annotations

from typing import Any

from dangjian.dues import BillStatus, PaymentChannel
from dangjian.dues.actions import do_generate_bills, do_record_offline_payment, do_submit_base
from dangjian.dues.billing import add_months, month_start
from dangjian.dues.models import Bill
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member

DEMO_MEMBERS = 12


def seed_dues(ctx: Any) -> None:
    root = ctx.users.get("admin") or next(iter(ctx.users.values()), None)
    actor = _superuser() or root
    this = month_start(ctx.today)
    members = list(Member.objects.filter(organization=ctx.branch, status__in=list(CURRENT_STATUSES))
                   .select_related("person").order_by("pk")[:DEMO_MEMBERS])
    for i, member in enumerate(members):
        if member.category in ("farmer", "student", "unemployed"):
            continue
        category = "retired" if member.category == "retired" else "in_service"
        base = ctx.rng.choice([280000, 450000, 510000, 760000, 1230000]) + 100 * (i % 7)
        do_submit_base(member, {"year": this.year, "effective_month": 1, "category": category,
                                "income_breakdown": [{"item": "基本工资", "cents": base}]}, acting_user=actor)
    for back in (3, 2, 1, 0):
        do_generate_bills(add_months(this, -back), org_path=ctx.branch.path, acting_user=actor)
    for i, member in enumerate(members):
        paid_up_to = 3 - (i % 4)  # some members are behind
        months = list(Bill.objects.filter(member=member, status=BillStatus.DUE, month__lte=add_months(this, -1))
                      .order_by("month").values_list("month", flat=True)[:paid_up_to])
        if months:
            do_record_offline_payment(member, months=months, channel=PaymentChannel.CASH, acting_user=actor)


def _superuser() -> Any:
    from dangjian.core.models import User

    return User.objects.filter(is_superuser=True).order_by("pk").first()
