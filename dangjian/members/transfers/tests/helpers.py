"""Shared helpers for the transfer tests."""

from __future__ import annotations

from typing import Any

from dangjian.members.transfers.actions import do_approve_hop
from dangjian.members.transfers.models import Transfer, TransferHop


def start_data(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"reason": "工作调动", "dues_paid_until": "2026-10"}
    data.update(extra)
    return data


def hop(transfer: Transfer, order: int) -> TransferHop:
    return TransferHop.objects.select_related("transfer").get(transfer=transfer, order=order)


def approve_through(transfer: Transfer, approvers: list[Any]) -> Transfer:
    for order, user in enumerate(approvers):
        do_approve_hop(hop(transfer, order), acting_user=user)
    transfer.refresh_from_db()
    return transfer
