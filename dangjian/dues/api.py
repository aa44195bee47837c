"""API: party dues (``/api/v1/dues/*``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema, OrgRef
from dangjian.dues import RATE_CATEGORIES, DuesCategory
from dangjian.dues.calc import calculate, explain, parse_yuan
from dangjian.dues.rules import get_rules

router = Router(tags=["dues"])


class DuesCalculationOut(Schema):
    category: str = Field(..., examples=["in_service"])
    rate: str | None = Field(..., examples=["0.015"],
                             description="Fraction of the base as a decimal string; null for a fixed amount.")
    amount: str = Field(..., examples=["76.50"], description="Monthly dues in yuan, two decimals.")
    amount_cents: int = Field(..., examples=[7650])
    basis: str = Field(..., examples=["in_service_brackets:5000.00<base<=10000.00"],
                       description="Machine-readable code of the rule applied.")
    explanation: str = Field(..., description="The rule applied, in the request's language.")


def _first_error(exc: ValidationError, default_field: str | None) -> ApiError:
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        return ApiError(400, "invalid", str(errors[0].messages[0]), field=field)
    return ApiError(400, "invalid", str(exc.messages[0]), field=default_field)


@router.get(
    "/calculate", auth=None, response={200: DuesCalculationOut, 400: ErrorOut},
    summary="Monthly party dues for a category and base (public)",
    description="`category`: one of " + ", ".join(f"`{c}`" for c in DuesCategory.values)
    + ". `base`: monthly base in yuan (e.g. `5100` or `5100.50`), required for in_service, retired, "
    "annual_salary and self_employed, ignored otherwise. `farmer_amount`: the amount the branch set "
    "for a farmer member (yuan). Bad input answers 400 `{code, message, field}`.",
)
def calculate_dues(request: HttpRequest, category: str | None = None, base: str | None = None,
                   farmer_amount: str | None = None) -> DuesCalculationOut:
    if not category:
        raise ApiError(400, "required", _("Give the category: one of %(choices)s.")
                       % {"choices": ", ".join(DuesCategory.values)}, field="category")
    if category not in DuesCategory.values:
        try:
            calculate(category, None)
        except ValidationError as exc:
            raise _first_error(exc, "category") from None
    rules = get_rules()
    base_cents = farmer_cents = None
    try:
        if category in RATE_CATEGORIES:
            if base is None or not base.strip():
                raise ApiError(400, "required", _("Give the monthly base in yuan: it is required for this category."),
                               field="base")
            base_cents = parse_yuan(base)
    except ValidationError as exc:
        raise _first_error(exc, "base") from None
    try:
        if category == DuesCategory.FARMER and farmer_amount is not None and farmer_amount.strip():
            farmer_cents = parse_yuan(farmer_amount)
    except ValidationError as exc:
        raise _first_error(exc, "farmer_amount") from None
    try:
        result = calculate(category, base_cents, rules=rules, farmer_amount_cents=farmer_cents)
    except ValidationError as exc:
        raise _first_error(exc, None) from None
    return DuesCalculationOut(
        category=result.category,
        rate=None if result.rate is None else format(result.rate, "f"),
        amount=result.amount,
        amount_cents=result.amount_cents,
        basis=result.basis,
        explanation=explain(result, rules),
    )


# --- bills and ledgers (signed in) --------------------------------------------------------------

class BillOut(Schema):
    month: str = Field(..., examples=["2026-11"])
    amount: str = Field(..., examples=["76.50"])
    amount_cents: int
    status: str = Field(..., examples=["due"], description="due, paid or exempt")
    basis: str


class MyBillsOut(Schema):
    year: int
    items: list[BillOut]
    due_cents: int
    paid_cents: int


@router.get("/my/bills", auth=read_auth, response={200: MyBillsOut, **READ_ERRORS},
            summary="The signed-in member's bills for a year (12 at most)")
def my_bills(request: HttpRequest, year: int | None = None) -> Any:
    from dangjian.dues.billing import current_month
    from dangjian.dues.selectors import member_bills, own_member

    member = own_member(api_user(request))
    if member is None:
        raise ApiError(404, "not_found", _("Not found."))
    year = year or current_month().year
    if not 2000 <= year <= 2100:
        raise ApiError(400, "invalid", _("The year must be between %(min)d and %(max)d.") % {"min": 2000, "max": 2100},
                       field="year")
    bills = list(member_bills(member, year).order_by("month"))
    return {"year": year, "items": [{"month": f"{b.month:%Y-%m}", "amount": b.amount_yuan,
                                     "amount_cents": b.amount_cents, "status": b.status, "basis": b.basis}
                                    for b in bills],
            "due_cents": sum(b.amount_cents for b in bills),
            "paid_cents": sum(b.amount_cents for b in bills if b.status == "paid")}


class LedgerRowOut(Schema):
    organization: OrgRef
    due_count: int
    due_cents: int
    paid_count: int
    paid_cents: int
    unpaid_count: int
    unpaid_cents: int
    exempt_count: int


class LedgerOut(Schema):
    month: str
    organization: OrgRef
    rows: list[LedgerRowOut]
    total: LedgerRowOut
    voluntary_cents: int


@router.get("/ledger", auth=read_auth, response={200: LedgerOut, 400: ErrorOut, **READ_ERRORS},
            summary="应缴/实缴/欠缴 per branch for a month under an organization (dues.manage)")
def ledger(request: HttpRequest, org: int, month: str) -> Any:
    from dangjian.dues.billing import parse_month
    from dangjian.dues.selectors import access_ledger_org, branch_month_ledger

    user = api_user(request)
    parsed = parse_month(month)
    if parsed is None:
        raise ApiError(400, "invalid", _("Give a month like 2026-09."), field="month")
    organization = access_ledger_org(user, org)
    data = branch_month_ledger(user, organization, parsed)

    def row(r: Any, ref: dict[str, Any]) -> dict[str, Any]:
        return {"organization": ref, "due_count": r.due_count, "due_cents": r.due_cents, "paid_count": r.paid_count,
                "paid_cents": r.paid_cents, "unpaid_count": r.unpaid_count, "unpaid_cents": r.unpaid_cents,
                "exempt_count": r.exempt_count}

    ref = {"id": organization.pk, "name": organization.name}
    return {"month": f"{parsed:%Y-%m}", "organization": ref,
            "rows": [row(r, {"id": r.org_id, "name": r.name}) for r in data.rows],
            "total": row(data.total, ref), "voluntary_cents": data.voluntary_cents}


# --- bases, reliefs and payments (issue 4) ------------------------------------------------------

WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, **READ_ERRORS}
MAX_PAGE = 200


class IncomeItemIn(InputSchema):
    item: str = Field(..., max_length=40, examples=["基本工资"])
    cents: int = Field(..., examples=[480000], description="Fen; a deduction (tax, insurance) is negative.")


class BaseIn(InputSchema):
    year: int = Field(..., examples=[2026])
    effective_month: int = Field(1, examples=[1])
    category: str = Field(..., examples=["in_service"])
    income_breakdown: list[IncomeItemIn] = Field(default_factory=list)
    base_cents: int | None = Field(None, description="Omit to take the sum of the income items.")
    farmer_amount_cents: int | None = None
    note: str = Field("", max_length=200)


class BaseOut(Schema):
    id: int
    member: int
    member_name: str
    year: int
    effective_month: int
    category: str
    base_cents: int | None
    status: str
    source: str


class BasePageOut(Schema):
    count: int
    items: list[BaseOut]


def _base_out(base: Any) -> dict[str, Any]:
    return {"id": base.pk, "member": base.member_id, "member_name": base.member.person.name, "year": base.year,
            "effective_month": base.effective_month, "category": base.category, "base_cents": base.base_cents,
            "status": base.status, "source": base.source}


def _month_or_400(text: str | None, field: str) -> Any:
    from dangjian.dues.billing import parse_month

    month = parse_month(text or "")
    if month is None:
        raise ApiError(400, "invalid", _("Give a month like 2026-09."), field=field)
    return month


@router.post("/my/base", auth=token_auth, response={201: BaseOut, **WRITE_ERRORS},
             summary="The signed-in member reports their dues base (waits for the branch to check)")
def report_my_base(request: HttpRequest, payload: BaseIn) -> Any:
    from dangjian.dues.actions import do_submit_base
    from dangjian.dues.selectors import own_member

    user = api_user(request)
    member = own_member(user)
    if member is None:
        raise ApiError(404, "not_found", _("Not found."))
    base = do_submit_base(member, payload.dict(), acting_user=user)
    return Status(201, _base_out(base))


@router.get("/bases", auth=read_auth, response={200: BasePageOut, 400: ErrorOut, **READ_ERRORS},
            summary="Bases under an organization for a year (dues.manage), newest first; `status` filters")
def list_bases(request: HttpRequest, org: int, year: int, status: str = "", limit: int = 50,
               offset: int = 0) -> Any:
    from dangjian.dues import BaseStatus
    from dangjian.dues.selectors import access_ledger_org, bases_for

    user = api_user(request)
    if status and status not in BaseStatus.values:
        raise ApiError(400, "invalid", _("Unknown status."), field="status")
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise ApiError(400, "invalid", _("limit is 1 to %(max)d and offset 0 or more.") % {"max": MAX_PAGE},
                       field="limit")
    qs = bases_for(user, access_ledger_org(user, org), year, status=status)
    return {"count": qs.count(), "items": [_base_out(b) for b in qs[offset:offset + limit]]}


class ReliefIn(InputSchema):
    member: int
    kind: str = Field(..., examples=["reduction"])
    from_month: str = Field(..., examples=["2026-01"])
    to_month: str = Field(..., examples=["2026-12"])
    monthly_cents: int | None = Field(None, description="The reduced monthly amount (reduction only).")
    reason: str = Field(..., max_length=2000)
    evidence: str = Field(..., max_length=2000)


class ReliefOut(Schema):
    id: int
    member: int
    kind: str
    from_month: str
    to_month: str
    monthly_cents: int | None
    status: str


@router.post("/reliefs", auth=token_auth, response={201: ReliefOut, **WRITE_ERRORS},
             summary="The branch proposes a reduction or exemption (dues.manage); the committee above decides")
def propose_relief(request: HttpRequest, payload: ReliefIn) -> Any:
    from dangjian.dues.actions import do_propose_relief
    from dangjian.dues.selectors import access_managed_member

    user = api_user(request)
    member = access_managed_member(user, payload.member)
    data = payload.dict()
    data["from_month"] = _month_or_400(payload.from_month, "from_month")
    data["to_month"] = _month_or_400(payload.to_month, "to_month")
    relief = do_propose_relief(member, data, acting_user=user)
    return Status(201, {"id": relief.pk, "member": relief.member_id, "kind": relief.kind,
                 "from_month": f"{relief.from_month:%Y-%m}", "to_month": f"{relief.to_month:%Y-%m}",
                 "monthly_cents": relief.monthly_cents, "status": relief.status})


class PaymentIn(InputSchema):
    months: list[str] = Field(default_factory=list, max_length=24, examples=[["2026-11", "2026-12"]])
    voluntary_cents: int = 0
    channel: str = Field(..., examples=["wechat"])
    mode: str = Field("h5", examples=["h5"], description="`h5` (phone browser) or `native` (a QR code)")
    member: int | None = Field(None, description="Pay for another member as their consented proxy.")
    at_host: bool = Field(False, description="A floating member pays to their host branch.")


class PaymentOut(Schema):
    out_trade_no: str
    status: str
    channel: str
    amount_cents: int
    voluntary_cents: int
    months: list[str]
    pay_mode: str = Field(..., description="`native`: show `pay_url` as a QR code; `h5`: open `pay_url`.")
    pay_url: str
    error: str = Field(..., description="Why the gateway could not start the payment (try again), else empty.")


def _payment_out(p: Any) -> dict[str, Any]:
    return {"out_trade_no": p.out_trade_no, "status": p.status, "channel": p.channel, "amount_cents": p.amount_cents,
            "voluntary_cents": p.voluntary_cents, "months": [m for m in p.months_label.split(", ") if m],
            "pay_mode": p.pay_mode, "pay_url": p.pay_url if p.status == "pending" else "",
            "error": _("The payment service could not be reached.") if p.last_error and not p.pay_url else ""}


@router.post("/payments", auth=token_auth, response={201: PaymentOut, **WRITE_ERRORS},
             summary="Start an online payment of one's dues (or as a consented proxy); returns what the app opens")
def start_payment(request: HttpRequest, payload: PaymentIn) -> Any:
    from dangjian.dues.actions import do_create_online_payment
    from dangjian.dues.consent import members_paid_by
    from dangjian.dues.selectors import own_member

    user = api_user(request)
    if payload.member is not None:
        member = next((m for m in members_paid_by(user) if m.pk == payload.member), None)
        if member is None and (own_member(user) is None or own_member(user).pk != payload.member):  # type: ignore[union-attr]
            raise ApiError(404, "not_found", _("Not found."))
        member = member or own_member(user)
    else:
        member = own_member(user)
    if member is None:
        raise ApiError(404, "not_found", _("Not found."))
    months = [_month_or_400(m, "months") for m in payload.months]
    payment = do_create_online_payment(member, months=months, voluntary_cents=payload.voluntary_cents,
                                       channel=payload.channel, mode=payload.mode, at_host=payload.at_host,
                                       client_ip=request.META.get("REMOTE_ADDR", ""), acting_user=user)
    return Status(201, _payment_out(payment))


@router.get("/payments/{out_trade_no}", auth=read_auth, response={200: PaymentOut, **READ_ERRORS},
            summary="A payment's state (the payer, a proxy, or dues.manage); `sync=true` asks the gateway first")
def payment_state(request: HttpRequest, out_trade_no: str, sync: bool = False) -> Any:
    from dangjian.dues.actions import do_sync_payment
    from dangjian.dues.selectors import access_payment

    user = api_user(request)
    payment = access_payment(user, out_trade_no)
    if sync:
        payment = do_sync_payment(payment, acting_user=user)
    return _payment_out(payment)
