"""The party-dues rule set (DOMAIN.md §5), configurable per province.

``DuesRules`` holds the brackets and flat amounts; ``get_rules()`` returns the active set: the
defaults of the 2008 regulation (《关于中国共产党党费收缴、使用和管理的规定》) with any overrides
from ``settings.DANGJIAN["DUES_RULES"]`` applied. Money is integer cents; rates are ``Decimal``
fractions of the base (``Decimal("0.015")`` is 1.5 %).

Defaults
    In service (also annual-salary earners on what they received that month, and the
    self-employed on last quarter's average monthly net income), rate on the WHOLE base, upper
    bound inclusive: ≤3000 → 0.5 %, ≤5000 → 1 %, ≤10000 → 1.5 %, above → 2 %.
    Retired (base = pension): ≤5000 → 0.5 %, above → 1 %.
    Farmers: 0.20 yuan a month unless the branch sets another amount within 0.20–1.00 yuan.
    Students, laid-off/unemployed members and members on the minimum living allowance: 0.20 yuan.

Override shape (every key optional; omitted keys keep the default; unknown keys are refused)::

    DANGJIAN = {
        ...,
        "DUES_RULES": {
            # [upper bound in yuan (inclusive), rate]; the last bracket has the bound None
            # ("and above"). Bounds strictly ascending; a rate is a fraction ("0.015") or a
            # percentage string ("1.5%"), between 0 and 100 %.
            "IN_SERVICE_BRACKETS": [["3000", "0.005"], ["5000", "0.01"], ["10000", "0.015"], [None, "0.02"]],
            "RETIRED_BRACKETS": [["5000", "0.005"], [None, "0.01"]],
            # Yuan amounts as strings (or ints/Decimals), at most two decimals.
            "FARMER_DEFAULT": "0.20",   # when the branch sets nothing
            "FARMER_MIN": "0.20",       # the range a branch may choose from
            "FARMER_MAX": "1.00",
            "FLAT_AMOUNTS": {"student": "0.20", "unemployed": "0.20", "relief": "0.20"},
        },
    }

Invalid overrides raise ``DuesRulesError`` (an ``ImproperlyConfigured``) naming the key and the
rule, both when the rules are read and from the system check ``dues.E001`` at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: Largest monthly amount anywhere in the rules (10,000,000 yuan), to catch typos in the config.
MAX_CONFIG_CENTS = 1_000_000_000

_KEYS = frozenset({
    "IN_SERVICE_BRACKETS", "RETIRED_BRACKETS", "FARMER_DEFAULT", "FARMER_MIN", "FARMER_MAX", "FLAT_AMOUNTS",
})
_FLAT_KEYS = frozenset({"student", "unemployed", "relief"})


class DuesRulesError(ImproperlyConfigured):
    """The dues rules (usually ``DANGJIAN["DUES_RULES"]``) are not valid."""


@dataclass(frozen=True)
class Bracket:
    """Bases up to ``upper_cents`` (inclusive; ``None`` = no upper bound) pay ``rate`` × base."""

    upper_cents: int | None
    rate: Decimal


@dataclass(frozen=True)
class BracketMatch:
    """The bracket a base falls in: ``lower_cents`` < base ≤ ``upper_cents``."""

    index: int
    lower_cents: int | None  # None for the first bracket (from zero)
    upper_cents: int | None  # None for the last bracket (no upper bound)
    rate: Decimal


def _yuan_cents(value: Any, where: str) -> int:
    """A yuan amount from the config (str, int or Decimal; at most two decimals) in cents."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise DuesRulesError(f"{where}: expected an amount in yuan such as \"0.20\", got {value!r}.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise DuesRulesError(f"{where}: {value!r} is not an amount in yuan.") from None
    if not amount.is_finite():
        raise DuesRulesError(f"{where}: {value!r} is not an amount in yuan.")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise DuesRulesError(f"{where}: {value!r} has more than two decimals.")
    if cents < 0 or cents > MAX_CONFIG_CENTS:
        raise DuesRulesError(f"{where}: {value!r} must be between 0 and 10,000,000 yuan.")
    return int(cents)


def _rate(value: Any, where: str) -> Decimal:
    """A rate from the config: a fraction ("0.015", Decimal) or a percentage string ("1.5%")."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise DuesRulesError(f"{where}: expected a rate such as \"0.015\" or \"1.5%\", got {value!r}.")
    text = str(value).strip()
    percent = text.endswith("%")
    try:
        rate = Decimal(text[:-1].strip() if percent else text)
    except InvalidOperation:
        raise DuesRulesError(f"{where}: {value!r} is not a rate.") from None
    if not rate.is_finite():
        raise DuesRulesError(f"{where}: {value!r} is not a rate.")
    if percent:
        rate = rate / 100
    if rate < 0 or rate > 1:
        raise DuesRulesError(f"{where}: the rate {value!r} must be between 0 and 100%.")
    return normalize_rate(rate)


def normalize_rate(rate: Decimal) -> Decimal:
    """``rate`` without trailing zeros and never in exponent form (``0.0150`` → ``0.015``)."""
    if rate == 0:
        return Decimal("0")
    return Decimal(format(rate.normalize(), "f"))


def _brackets(value: Any, where: str) -> tuple[Bracket, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise DuesRulesError(f"{where}: expected a non-empty list of [upper bound in yuan or None, rate].")
    brackets: list[Bracket] = []
    for i, item in enumerate(value):
        here = f"{where}[{i}]"
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 2:
            raise DuesRulesError(f"{here}: expected [upper bound in yuan or None, rate], got {item!r}.")
        upper, rate = item
        brackets.append(Bracket(None if upper is None else _yuan_cents(upper, here), _rate(rate, here)))
    return _check_brackets(tuple(brackets), where)


def _check_brackets(brackets: tuple[Bracket, ...], where: str) -> tuple[Bracket, ...]:
    if not brackets:
        raise DuesRulesError(f"{where}: at least one bracket is needed.")
    previous = 0
    for i, bracket in enumerate(brackets):
        last = i == len(brackets) - 1
        if not isinstance(bracket.rate, Decimal) or not bracket.rate.is_finite() or not 0 <= bracket.rate <= 1:
            raise DuesRulesError(f"{where}[{i}]: the rate must be between 0 and 100%.")
        if bracket.upper_cents is None:
            if not last:
                raise DuesRulesError(f"{where}[{i}]: only the last bracket may have no upper bound (None).")
            continue
        if last:
            raise DuesRulesError(f"{where}[{i}]: the last bracket must have no upper bound (None), "
                                 "so that every base falls in a bracket.")
        if isinstance(bracket.upper_cents, bool) or not isinstance(bracket.upper_cents, int):
            raise DuesRulesError(f"{where}[{i}]: the upper bound must be whole cents.")
        if bracket.upper_cents <= previous:
            raise DuesRulesError(f"{where}[{i}]: upper bounds must be above zero and strictly ascending.")
        previous = bracket.upper_cents
    return brackets


def _b(upper_yuan: int | None, rate: str) -> Bracket:
    return Bracket(None if upper_yuan is None else upper_yuan * 100, Decimal(rate))


@dataclass(frozen=True)
class DuesRules:
    """One complete, validated set of dues rules. Construct directly or with ``from_overrides``."""

    in_service_brackets: tuple[Bracket, ...] = (
        _b(3000, "0.005"), _b(5000, "0.01"), _b(10000, "0.015"), _b(None, "0.02"),
    )
    retired_brackets: tuple[Bracket, ...] = (_b(5000, "0.005"), _b(None, "0.01"))
    farmer_default_cents: int = 20
    farmer_min_cents: int = 20
    farmer_max_cents: int = 100
    student_cents: int = 20
    unemployed_cents: int = 20
    relief_cents: int = 20
    #: Where the rules came from, for error messages.
    source: str = field(default="defaults", compare=False)

    def __post_init__(self) -> None:
        _check_brackets(self.in_service_brackets, "IN_SERVICE_BRACKETS")
        _check_brackets(self.retired_brackets, "RETIRED_BRACKETS")
        for name in ("farmer_default_cents", "farmer_min_cents", "farmer_max_cents",
                     "student_cents", "unemployed_cents", "relief_cents"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CONFIG_CENTS:
                raise DuesRulesError(f"{name}: must be whole cents between 0 and 10,000,000 yuan.")
        if not 0 < self.farmer_min_cents <= self.farmer_max_cents:
            raise DuesRulesError("FARMER_MIN/FARMER_MAX: need 0 < FARMER_MIN ≤ FARMER_MAX.")
        if not self.farmer_min_cents <= self.farmer_default_cents <= self.farmer_max_cents:
            raise DuesRulesError("FARMER_DEFAULT: must lie between FARMER_MIN and FARMER_MAX.")

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | None, *,
                       source: str = "DANGJIAN['DUES_RULES']") -> DuesRules:
        """The defaults with ``overrides`` (the shape in the module docstring) applied."""
        if overrides is None:
            return cls()
        if not isinstance(overrides, Mapping):
            raise DuesRulesError(f"{source}: expected a dict, got {type(overrides).__name__}.")
        unknown = sorted(str(k) for k in overrides if k not in _KEYS)
        if unknown:
            raise DuesRulesError(f"{source}: unknown key(s) {', '.join(unknown)}; "
                                 f"known keys: {', '.join(sorted(_KEYS))}.")
        kwargs: dict[str, Any] = {"source": source}
        if "IN_SERVICE_BRACKETS" in overrides:
            kwargs["in_service_brackets"] = _brackets(overrides["IN_SERVICE_BRACKETS"],
                                                      f"{source}['IN_SERVICE_BRACKETS']")
        if "RETIRED_BRACKETS" in overrides:
            kwargs["retired_brackets"] = _brackets(overrides["RETIRED_BRACKETS"], f"{source}['RETIRED_BRACKETS']")
        for key, attr in (("FARMER_DEFAULT", "farmer_default_cents"), ("FARMER_MIN", "farmer_min_cents"),
                          ("FARMER_MAX", "farmer_max_cents")):
            if key in overrides:
                kwargs[attr] = _yuan_cents(overrides[key], f"{source}['{key}']")
        if "FLAT_AMOUNTS" in overrides:
            flat = overrides["FLAT_AMOUNTS"]
            if not isinstance(flat, Mapping):
                raise DuesRulesError(f"{source}['FLAT_AMOUNTS']: expected a dict like {{\"student\": \"0.20\"}}.")
            bad = sorted(str(k) for k in flat if k not in _FLAT_KEYS)
            if bad:
                raise DuesRulesError(f"{source}['FLAT_AMOUNTS']: unknown categor(ies) {', '.join(bad)}; "
                                     f"known: {', '.join(sorted(_FLAT_KEYS))}.")
            for key, value in flat.items():
                kwargs[f"{key}_cents"] = _yuan_cents(value, f"{source}['FLAT_AMOUNTS']['{key}']")
        try:
            return cls(**kwargs)
        except DuesRulesError as exc:
            raise DuesRulesError(f"{source}: {exc}") from None

    def brackets_for(self, category: str) -> tuple[Bracket, ...]:
        """The bracket table used for a rate category (in_service, retired, annual_salary, self_employed)."""
        return self.retired_brackets if category == "retired" else self.in_service_brackets

    def flat_cents(self, category: str) -> int:
        """The fixed monthly amount of a flat category (the farmer default for farmers)."""
        return {
            "farmer": self.farmer_default_cents,
            "student": self.student_cents,
            "unemployed": self.unemployed_cents,
            "relief": self.relief_cents,
        }[category]


def match_bracket(brackets: Sequence[Bracket], base_cents: int) -> BracketMatch:
    """The bracket ``base_cents`` falls in (upper bounds inclusive)."""
    lower: int | None = None
    for i, bracket in enumerate(brackets):
        if bracket.upper_cents is None or base_cents <= bracket.upper_cents:
            return BracketMatch(i, lower, bracket.upper_cents, bracket.rate)
        lower = bracket.upper_cents
    raise DuesRulesError("The last bracket must have no upper bound.")  # excluded by validation


DEFAULT_RULES = DuesRules()


def get_rules() -> DuesRules:
    """The active rules: the defaults with ``settings.DANGJIAN["DUES_RULES"]`` applied.

    Read on every call (cheap), so changed settings, e.g. in tests, take effect at once.
    """
    config = getattr(settings, "DANGJIAN", None) or {}
    overrides = config.get("DUES_RULES")
    if overrides is None:
        return DEFAULT_RULES
    return DuesRules.from_overrides(overrides)
