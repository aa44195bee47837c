"""API: party dues (``/api/v1/dues/*``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from dangjian.api.errors import ApiError
from dangjian.api.schemas import ErrorOut
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
