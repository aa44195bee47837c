"""The dues calculation: ONE pure function that bills, the calculator page and the API all call.

Money is integer cents throughout; a rate × base is rounded half-up to the cent with ``Decimal``
(never floats). Bracket bounds are inclusive and the rate applies to the whole base (DOMAIN.md §5).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, Inexact, localcontext

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.dues import FLAT_CATEGORIES, RATE_CATEGORIES, DuesCategory
from dangjian.dues.rules import Bracket, BracketMatch, DuesRules, get_rules, match_bracket

#: Largest base or amount accepted anywhere (10,000,000 yuan a month): anything above is a typo.
MAX_YUAN = 10_000_000
MAX_CENTS = MAX_YUAN * 100

_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]*)?")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_MAX_TEXT = 40


@dataclass(frozen=True)
class DuesResult:
    """The monthly dues for one category and base.

    ``rate`` is the fraction of the base (``Decimal("0.015")``) or ``None`` for a flat amount;
    ``basis`` is a stable, machine-readable code of the rule applied, e.g.
    ``in_service_brackets:5000.00<base<=10000.00`` or ``flat:student``; ``explain()`` turns a
    result into a translated sentence.
    """

    rate: Decimal | None
    amount_cents: int
    basis: str
    category: str = ""
    base_cents: int | None = None
    bracket: BracketMatch | None = None

    @property
    def amount(self) -> str:
        """The amount in yuan with two decimals, e.g. ``"76.50"``."""
        return cents_to_yuan(self.amount_cents)


# --- money helpers ------------------------------------------------------------------------------

def cents_to_yuan(cents: int, *, grouping: bool = False) -> str:
    """``7650`` → ``"76.50"`` (``"5,100.00"`` with ``grouping``)."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{frac:02d}" if grouping else f"{sign}{whole}.{frac:02d}"


def format_bound(cents: int) -> str:
    """A bracket bound for people: ``500000`` → ``"5,000"``, ``500050`` → ``"5,000.50"``."""
    if cents % 100 == 0:
        return f"{cents // 100:,}"
    return cents_to_yuan(cents, grouping=True)


def format_percent(rate: Decimal) -> str:
    """``Decimal("0.015")`` → ``"1.5%"``."""
    percent = (rate * 100).normalize()
    return f"{format(percent, 'f')}%"


def parse_yuan(text: str | None) -> int:
    """An amount in yuan typed by a person → integer cents.

    Accepts ``"5100"``, ``"5100.5"``, ``"5,100.50"`` (thousands separators in groups of three),
    full-width digits and punctuation (``"５１００．５"``), and a leading ¥ or trailing 元.
    Refuses empty text, negative amounts, more than two decimals, anything not a plain number
    (``"abc"``, ``"1e309"``, ``"nan"``) and amounts above 10,000,000 yuan, each with its own message.
    """
    raw = unicodedata.normalize("NFKC", text or "").strip()
    raw = raw.removeprefix("¥").removesuffix("元").strip()
    if not raw:
        raise ValidationError(_("Enter an amount in yuan, for example 5100.00."), code="required")
    if len(raw) > _MAX_TEXT:
        raise ValidationError(_("Enter an amount in yuan, for example 5100.00."), code="invalid")
    if raw.startswith("-"):
        if _PLAIN.fullmatch(raw[1:]) or _GROUPED.fullmatch(raw[1:]):
            raise ValidationError(_("The amount cannot be negative."), code="negative")
        raise ValidationError(_("Enter an amount in yuan, for example 5100.00."), code="invalid")
    if raw.startswith("+"):
        raw = raw[1:]
    if not (_PLAIN.fullmatch(raw) or _GROUPED.fullmatch(raw)):
        raise ValidationError(_("Enter an amount in yuan, for example 5100.00."), code="invalid")
    whole, _dot, frac = raw.replace(",", "").partition(".")
    if len(frac) > 2:
        raise ValidationError(_("Use at most two decimals (whole fen)."), code="max_decimal_places")
    cents = int(whole) * 100 + int(frac.ljust(2, "0"))
    if cents > MAX_CENTS:
        raise ValidationError(
            _("The amount is too large: at most %(max)s yuan.") % {"max": f"{MAX_YUAN:,}"}, code="max_value",
        )
    return cents


def _apply_rate(base_cents: int, rate: Decimal) -> int:
    """``base_cents × rate`` rounded half-up to a whole cent, computed exactly."""
    with localcontext() as ctx:
        ctx.prec = 60  # far above any base × rate digits: the product is exact
        ctx.traps[Inexact] = True
        product = Decimal(base_cents) * rate
        ctx.traps[Inexact] = False  # rounding to the cent is the one intended inexact step
        return int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _basis_code(category: str, match: BracketMatch) -> str:
    table = "retired_brackets" if category == DuesCategory.RETIRED else "in_service_brackets"
    if match.lower_cents is None and match.upper_cents is None:
        return f"{table}:any"
    if match.lower_cents is None:
        return f"{table}:base<={cents_to_yuan(match.upper_cents or 0)}"
    if match.upper_cents is None:
        return f"{table}:base>{cents_to_yuan(match.lower_cents)}"
    return f"{table}:{cents_to_yuan(match.lower_cents)}<base<={cents_to_yuan(match.upper_cents)}"


# --- the calculation ----------------------------------------------------------------------------

def calculate(category: str, base_cents: int | None, *, rules: DuesRules | None = None,
              farmer_amount_cents: int | None = None) -> DuesResult:
    """The monthly dues of a member of ``category`` with monthly base ``base_cents``.

    ``base_cents`` is required (a whole number of cents, 0 or more) for in_service, retired,
    annual_salary (what was actually received that month) and self_employed (the previous
    quarter's average monthly net income, worked out by the caller); it is ignored for the flat
    categories. ``farmer_amount_cents`` is the amount the branch set for a farmer member (within
    the rules' farmer range; the default applies when it is None); it is ignored for other
    categories. ``rules`` defaults to ``get_rules()``.

    Raises ``ValidationError`` with an error dict naming the field: ``category``, ``base`` or
    ``farmer_amount``.
    """
    if rules is None:
        rules = get_rules()
    try:
        cat = DuesCategory(category)
    except ValueError:
        raise ValidationError({"category": ValidationError(
            _("Unknown category “%(value)s”: choose one of %(choices)s.")
            % {"value": str(category)[:50], "choices": ", ".join(DuesCategory.values)},
            code="invalid_choice")}) from None

    if cat in FLAT_CATEGORIES:
        if cat == DuesCategory.FARMER:
            if farmer_amount_cents is None:
                return DuesResult(None, rules.farmer_default_cents, "flat:farmer_default", cat.value)
            if isinstance(farmer_amount_cents, bool) or not isinstance(farmer_amount_cents, int):
                raise ValidationError({"farmer_amount": ValidationError(
                    _("The farmer amount must be a whole number of fen."), code="invalid")})
            if not rules.farmer_min_cents <= farmer_amount_cents <= rules.farmer_max_cents:
                raise ValidationError({"farmer_amount": ValidationError(
                    _("A branch sets farmer members' dues between %(min)s and %(max)s yuan a month.")
                    % {"min": cents_to_yuan(rules.farmer_min_cents), "max": cents_to_yuan(rules.farmer_max_cents)},
                    code="out_of_range")})
            return DuesResult(None, farmer_amount_cents, "flat:farmer_set_by_branch", cat.value)
        return DuesResult(None, rules.flat_cents(cat.value), f"flat:{cat.value}", cat.value)

    assert cat in RATE_CATEGORIES
    if base_cents is None:
        raise ValidationError({"base": ValidationError(
            _("Enter the monthly base: it is required for this category."), code="required")})
    if isinstance(base_cents, bool) or not isinstance(base_cents, int):
        raise ValidationError({"base": ValidationError(
            _("The base must be a whole number of fen."), code="invalid")})
    if base_cents < 0:
        raise ValidationError({"base": ValidationError(_("The base cannot be negative."), code="negative")})
    if base_cents > MAX_CENTS:
        raise ValidationError({"base": ValidationError(
            _("The amount is too large: at most %(max)s yuan.") % {"max": f"{MAX_YUAN:,}"}, code="max_value")})
    match = match_bracket(rules.brackets_for(cat.value), base_cents)
    return DuesResult(match.rate, _apply_rate(base_cents, match.rate), _basis_code(cat.value, match),
                      cat.value, base_cents, match)


# --- explanations for people --------------------------------------------------------------------

def _subject(category: str, base: str) -> str:
    if category == DuesCategory.RETIRED:
        return _("Retired member's monthly pension of %(base)s yuan") % {"base": base}
    if category == DuesCategory.ANNUAL_SALARY:
        return _("Annual-salary member's income received this month of %(base)s yuan") % {"base": base}
    if category == DuesCategory.SELF_EMPLOYED:
        return _("Self-employed member's average monthly net income last quarter of %(base)s yuan") % {"base": base}
    return _("In-service member's monthly salary of %(base)s yuan") % {"base": base}


def describe_range(lower_cents: int | None, upper_cents: int | None) -> str:
    """A bracket's range for people, e.g. "above 5,000 yuan and up to 10,000 yuan (inclusive)"."""
    if lower_cents is None and upper_cents is None:
        return _("any amount")
    if lower_cents is None:
        return _("up to %(upper)s yuan (inclusive)") % {"upper": format_bound(upper_cents or 0)}
    if upper_cents is None:
        return _("above %(lower)s yuan") % {"lower": format_bound(lower_cents)}
    return _("above %(lower)s yuan and up to %(upper)s yuan (inclusive)") % {
        "lower": format_bound(lower_cents), "upper": format_bound(upper_cents)}


def explain(result: DuesResult, rules: DuesRules | None = None) -> str:
    """One translated sentence saying which rule gave ``result``, e.g.
    "在职党员月工资收入 5,100.00 元，在 5,000 元以上至 10,000 元（含）之间，按 1.5% 交纳：76.50 元"."""
    amount = cents_to_yuan(result.amount_cents, grouping=True)
    if result.bracket is not None and result.rate is not None and result.base_cents is not None:
        return _("%(subject)s is %(range)s, so dues are %(rate)s of it: %(amount)s yuan") % {
            "subject": _subject(result.category, cents_to_yuan(result.base_cents, grouping=True)),
            "range": describe_range(result.bracket.lower_cents, result.bracket.upper_cents),
            "rate": format_percent(result.rate),
            "amount": amount,
        }
    if result.basis == "flat:farmer_default":
        rules = rules or get_rules()
        return _("Farmer members pay %(amount)s yuan a month unless the branch sets another amount "
                 "between %(min)s and %(max)s yuan") % {
            "amount": amount, "min": cents_to_yuan(rules.farmer_min_cents),
            "max": cents_to_yuan(rules.farmer_max_cents)}
    if result.basis == "flat:farmer_set_by_branch":
        return _("Farmer members pay the amount set by their branch: %(amount)s yuan a month") % {"amount": amount}
    if result.category == DuesCategory.STUDENT:
        return _("Student members pay a fixed %(amount)s yuan a month") % {"amount": amount}
    if result.category == DuesCategory.UNEMPLOYED:
        return _("Laid-off or unemployed members pay a fixed %(amount)s yuan a month") % {"amount": amount}
    return _("Members receiving the minimum living allowance pay a fixed %(amount)s yuan a month") % {
        "amount": amount}


def rule_summary(rules: DuesRules | None = None) -> dict[str, object]:
    """The active rules for people: bracket rows (range, rate) and the flat amounts."""
    rules = rules or get_rules()

    def rows(brackets: tuple[Bracket, ...]) -> list[dict[str, str]]:
        out: list[dict[str, str]] = []
        lower: int | None = None
        for bracket in brackets:
            out.append({"range": describe_range(lower, bracket.upper_cents), "rate": format_percent(bracket.rate)})
            lower = bracket.upper_cents
        return out

    return {
        "in_service": rows(rules.in_service_brackets),
        "retired": rows(rules.retired_brackets),
        "farmer_default": cents_to_yuan(rules.farmer_default_cents),
        "farmer_min": cents_to_yuan(rules.farmer_min_cents),
        "farmer_max": cents_to_yuan(rules.farmer_max_cents),
        "flat": [
            {"label": DuesCategory.STUDENT.label, "amount": cents_to_yuan(rules.student_cents)},
            {"label": DuesCategory.UNEMPLOYED.label, "amount": cents_to_yuan(rules.unemployed_cents)},
            {"label": DuesCategory.RELIEF.label, "amount": cents_to_yuan(rules.relief_cents)},
        ],
    }
