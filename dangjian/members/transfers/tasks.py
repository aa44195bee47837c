"""Periodic task: expire letters that ran out and escalate overdue steps (registered in apps.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def check_transfers() -> dict[str, int]:
    from dangjian.members.transfers.actions import escalate_overdue_hops, expire_letters, remind_overdue_receipts

    expired = expire_letters()
    escalated = escalate_overdue_hops()
    receipts = remind_overdue_receipts()
    return {"expired": len(expired), "escalated": len(escalated), "receipts": len(receipts)}
