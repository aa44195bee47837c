"""API: transfers (``/api/v1/transfers/*``).

Writes take a bearer token; reads also the browser session. A transfer outside the caller's scope
is a 404; a member outside the caller's scope is refused with the same message as an unknown one
(``field: member``), so nothing leaks. Domain errors are 400 ``{code, message, field}``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import MAX_ID, READ_ERRORS, ErrorOut, InputSchema, ObjectId
from dangjian.core.scoping import has_any
from dangjian.members.selectors import members_for
from dangjian.members.transfers import HopState
from dangjian.members.transfers import actions as act
from dangjian.members.transfers import selectors as sel
from dangjian.members.transfers.models import Transfer, TransferHop

router = Router(tags=["transfers"])

WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_PAGE_SIZE = 100


class ExternalIn(InputSchema):
    name: str = Field(..., max_length=1000, description="Full name of the organization outside the platform.")
    address: str = Field("", max_length=1000)


class TransferIn(InputSchema):
    member: int = Field(..., ge=1, le=MAX_ID)
    to_org: int | None = Field(None, ge=1, le=MAX_ID, description="Receiving branch on the platform.")
    to_external: ExternalIn | None = Field(None, description="Or: an organization outside the platform.")
    reason: str = Field(..., max_length=5000)
    validity_days: int | None = Field(None, ge=1, le=10_000, description="Default 30; at most the configured maximum.")
    dues_paid_until: str | None = Field(None, max_length=20, description="Year-month, e.g. 2026-05.")


class TransferDecisionIn(InputSchema):
    reason: str = Field("", max_length=5000)


class HopOut(Schema):
    order: int
    organization: int
    organization_name: str
    receiving: bool
    state: str
    acted_at: dt.datetime | None
    reason: str
    due_on: dt.date | None


class TransferOut(Schema):
    id: int
    number: str
    kind: str
    status: str
    member: int
    name: str
    id_number: str = Field(..., description="Masked.")
    from_org: int | None
    to_org: int | None
    from_org_name: str
    to_org_name: str
    route: list[int]
    hops: list[HopOut]
    current_org: int | None
    reason: str
    validity_days: int
    issued_on: dt.date | None
    valid_until: dt.date | None
    dues_paid_until: str | None
    created_at: dt.datetime


class TransferItem(Schema):
    id: int
    number: str
    status: str
    name: str
    from_org_name: str
    to_org_name: str
    created_at: dt.datetime


class TransferPage(Schema):
    items: list[TransferItem]
    count: int
    page: int
    page_size: int


class ListQuery(Schema):
    box: str = Field("all", json_schema_extra={"enum": ["all", "awaiting", "outgoing", "incoming"]})  # type: ignore[dict-item]
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(25, ge=1, le=MAX_PAGE_SIZE)


def _out(transfer: Transfer) -> dict[str, Any]:
    hops = sel.hops_of(transfer)
    current = next((h for h in hops if h.state != HopState.APPROVED), None) if transfer.is_active else None
    return {
        "id": transfer.pk, "number": transfer.number, "kind": transfer.kind, "status": transfer.status,
        "member": transfer.member_id, "name": transfer.name, "id_number": transfer.id_number_masked,
        "from_org": transfer.from_org_id, "to_org": transfer.to_org_id,
        "from_org_name": transfer.from_org_name, "to_org_name": transfer.to_org_name,
        "route": list(transfer.route),
        "hops": [{"order": h.order, "organization": h.organization_id, "organization_name": h.organization.name,
                  "receiving": h.receiving, "state": h.state, "acted_at": h.acted_at, "reason": h.reason,
                  "due_on": h.due_on} for h in hops],
        "current_org": current.organization_id if current else None,
        "reason": transfer.reason, "validity_days": transfer.validity_days,
        "issued_on": transfer.issued_on, "valid_until": transfer.valid_until,
        "dues_paid_until": transfer.dues_paid_until.strftime("%Y-%m") if transfer.dues_paid_until else None,
        "created_at": transfer.created_at,
    }


@router.post("", auth=token_auth, response={201: TransferOut, **WRITE_ERRORS},
             summary="Start a transfer; the answer carries the computed route")
def start_transfer(request: HttpRequest, payload: TransferIn) -> Status:
    user = api_user(request)
    member = members_for(user).filter(pk=payload.member).first()
    if member is None:
        raise ApiError(400, "invalid", _("No member with this id in your scope."), field="member")
    data: dict[str, Any] = {"to_org": payload.to_org, "reason": payload.reason,
                            "validity_days": payload.validity_days, "dues_paid_until": payload.dues_paid_until}
    if payload.to_external is not None:
        data["to_external"] = payload.to_external.dict()
    transfer = act.do_start_transfer(member, data, acting_user=user)
    return Status(201, _out(sel.access_transfer(user, transfer.pk)))


@router.get("", auth=read_auth, response={200: TransferPage, **READ_ERRORS}, summary="Transfers in scope")
def list_transfers(request: HttpRequest, query: Query[ListQuery]) -> Any:
    user = api_user(request)
    if query.box not in ("all", "awaiting", "outgoing", "incoming"):
        raise ApiError(422, "validation_error", _("Unknown list."), field="box")
    if not has_any(user, "transfers.view"):
        qs = Transfer.objects.filter(member__person__user=user)
    else:
        qs = {"awaiting": sel.awaiting, "outgoing": sel.outgoing, "incoming": sel.incoming,
              "all": sel.transfers_for}[query.box](user)
    qs = sel.for_list(qs)
    count = qs.count()
    start = (query.page - 1) * query.page_size
    rows = list(qs[start:start + query.page_size]) if start < count else []
    return {"items": [{"id": t.pk, "number": t.number, "status": t.status, "name": t.name,
                       "from_org_name": t.from_org_name, "to_org_name": t.to_org_name, "created_at": t.created_at}
                      for t in rows],
            "count": count, "page": query.page, "page_size": query.page_size}


@router.get("/{transfer_id}", auth=read_auth, response={200: TransferOut, **READ_ERRORS}, summary="One transfer")
def get_transfer(request: HttpRequest, transfer_id: Path[ObjectId]) -> Any:
    return _out(sel.access_transfer(api_user(request), transfer_id))


def _current(transfer: Transfer) -> TransferHop:
    hop = (TransferHop.objects.filter(transfer=transfer).exclude(state=HopState.APPROVED)
           .select_related("transfer").order_by("order").first())
    if hop is None or not transfer.is_active:
        raise ApiError(409, "conflict", _("This transfer has no step waiting for a decision."), field="status")
    return hop


@router.post("/{transfer_id}/approve", auth=token_auth, response={200: TransferOut, 409: ErrorOut, **WRITE_ERRORS},
             summary="Approve the current step")
def approve(request: HttpRequest, transfer_id: Path[ObjectId], payload: TransferDecisionIn) -> Any:
    user = api_user(request)
    transfer = sel.access_transfer(user, transfer_id)
    act.do_approve_hop(_current(transfer), acting_user=user, reason=payload.reason)
    return _out(sel.access_transfer(user, transfer_id))


@router.post("/{transfer_id}/return", auth=token_auth, response={200: TransferOut, 409: ErrorOut, **WRITE_ERRORS},
             summary="Return the transfer at the current step, with a reason")
def return_(request: HttpRequest, transfer_id: Path[ObjectId], payload: TransferDecisionIn) -> Any:
    user = api_user(request)
    transfer = sel.access_transfer(user, transfer_id)
    act.do_return_hop(_current(transfer), acting_user=user, reason=payload.reason)
    return _out(sel.access_transfer(user, transfer_id))
