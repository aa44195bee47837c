"""API: party dues (``/api/v1/dues/*``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from dangjian.api.auth import api_user, read_auth
from dangjian.api.errors import ApiError
from dangjian.api.schemas import READ_ERRORS, ErrorOut, OrgRef
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
