"""The dues calculation against an independent, table-driven reference (DOMAIN.md §5)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dangjian.dues import FLAT_CATEGORIES, RATE_CATEGORIES, DuesCategory
from dangjian.dues.calc import calculate, cents_to_yuan, explain, format_percent, parse_yuan
from dangjian.dues.rules import DEFAULT_RULES, Bracket, DuesRules, DuesRulesError, get_rules

# --- the reference: written from DOMAIN.md §5, sharing no code with the implementation ----------

_IN_SERVICE = [(300_000, Fraction(5, 1000)), (500_000, Fraction(1, 100)), (1_000_000, Fraction(15, 1000)),
               (None, Fraction(2, 100))]
_RETIRED = [(500_000, Fraction(5, 1000)), (None, Fraction(1, 100))]


def _half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def reference(category: str, base_cents: int) -> tuple[Fraction, int]:
    table = _RETIRED if category == "retired" else _IN_SERVICE
    for upper, rate in table:
        if upper is None or base_cents <= upper:
            return rate, _half_up(base_cents * rate)
    raise AssertionError("unreachable")


def _bracket_index(category: str, base_cents: int) -> int:
    table = _RETIRED if category == "retired" else _IN_SERVICE
    return next(i for i, (upper, _rate) in enumerate(table) if upper is None or base_cents <= upper)


# --- table-driven cases ----------------------------------------------------------------------------

RATE_CASES = [
    # category, base (yuan text), rate, amount (yuan)
    ("in_service", "0", "0.005", "0.00"),
    ("in_service", "0.01", "0.005", "0.00"),
    ("in_service", "1.00", "0.005", "0.01"),       # 0.5 fen → half-up to 1 fen (not banker's 0)
    ("in_service", "5.00", "0.005", "0.03"),       # 2.5 fen → 3 fen
    ("in_service", "3000.00", "0.005", "15.00"),
    ("in_service", "3000.01", "0.01", "30.00"),
    ("in_service", "5000.00", "0.01", "50.00"),
    ("in_service", "5000.01", "0.015", "75.00"),
    ("in_service", "5033.00", "0.015", "75.50"),   # 7549.5 fen → 7550
    ("in_service", "5100.00", "0.015", "76.50"),   # the example in the regulation
    ("in_service", "10000.00", "0.015", "150.00"),
    ("in_service", "10000.01", "0.02", "200.00"),
    ("in_service", "25000.25", "0.02", "500.01"),  # 50000.5 fen → 50001
    ("retired", "0", "0.005", "0.00"),
    ("retired", "3000.00", "0.005", "15.00"),
    ("retired", "5000.00", "0.005", "25.00"),
    ("retired", "5000.01", "0.01", "50.00"),
    ("retired", "12000.00", "0.01", "120.00"),
    ("annual_salary", "3000.00", "0.005", "15.00"),
    ("annual_salary", "3000.01", "0.01", "30.00"),
    ("annual_salary", "5100.00", "0.015", "76.50"),
    ("annual_salary", "10000.01", "0.02", "200.00"),
    ("self_employed", "5000.00", "0.01", "50.00"),
    ("self_employed", "5000.01", "0.015", "75.00"),
    ("self_employed", "10000.00", "0.015", "150.00"),
    ("self_employed", "10000.01", "0.02", "200.00"),
]


@pytest.mark.parametrize(("category", "base", "rate", "amount"), RATE_CASES)
def test_rate_categories_table(category, base, rate, amount):
    result = calculate(category, parse_yuan(base), rules=DEFAULT_RULES)
    assert result.rate == Decimal(rate)
    assert cents_to_yuan(result.amount_cents) == amount
    assert result.amount == amount
    # and the independent reference agrees with the table
    ref_rate, ref_amount = reference(category, parse_yuan(base))
    assert ref_rate == Fraction(rate)
    assert cents_to_yuan(ref_amount) == amount


def test_the_regulation_example_5100_gives_76_50():
    result = calculate(DuesCategory.IN_SERVICE, 510_000)
    assert (result.rate, result.amount_cents, result.amount) == (Decimal("0.015"), 7650, "76.50")
    assert result.basis == "in_service_brackets:5000.00<base<=10000.00"


@pytest.mark.parametrize(("base", "basis"), [
    (300_000, "in_service_brackets:base<=3000.00"),
    (300_001, "in_service_brackets:3000.00<base<=5000.00"),
    (1_000_001, "in_service_brackets:base>10000.00"),
])
def test_basis_names_the_bracket(base, basis):
    assert calculate("in_service", base).basis == basis


def test_retired_basis_names_the_retired_table():
    assert calculate("retired", 500_000).basis == "retired_brackets:base<=5000.00"
    assert calculate("retired", 500_001).basis == "retired_brackets:base>5000.00"


@pytest.mark.parametrize(("category", "basis"), [
    ("farmer", "flat:farmer_default"),
    ("student", "flat:student"),
    ("unemployed", "flat:unemployed"),
    ("relief", "flat:relief"),
])
@pytest.mark.parametrize("base", [None, 0, 510_000, -5])
def test_flat_categories_pay_20_fen_whatever_the_base(category, basis, base):
    result = calculate(category, base)
    assert (result.rate, result.amount_cents, result.amount, result.basis) == (None, 20, "0.20", basis)


@pytest.mark.parametrize("cents", [20, 50, 100])
def test_farmer_amount_set_by_the_branch_within_range(cents):
    result = calculate("farmer", None, farmer_amount_cents=cents)
    assert (result.amount_cents, result.basis) == (cents, "flat:farmer_set_by_branch")


@pytest.mark.parametrize("cents", [0, 19, 101, 10_000, -20])
def test_farmer_amount_outside_range_is_refused(cents):
    with pytest.raises(ValidationError) as exc:
        calculate("farmer", None, farmer_amount_cents=cents)
    assert list(exc.value.error_dict) == ["farmer_amount"]


def test_farmer_amount_is_ignored_for_other_categories():
    assert calculate("student", None, farmer_amount_cents=999).amount_cents == 20
    assert calculate("in_service", 510_000, farmer_amount_cents=999).amount_cents == 7650


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("category", sorted(RATE_CATEGORIES))
@pytest.mark.parametrize("base", [None, -1, -500_000])
def test_missing_or_negative_base_names_base(category, base):
    with pytest.raises(ValidationError) as exc:
        calculate(category, base)
    assert list(exc.value.error_dict) == ["base"]


@pytest.mark.parametrize("base", [1.5, "5100", Decimal("5100"), True])
def test_base_must_be_int_cents(base):
    with pytest.raises(ValidationError) as exc:
        calculate("in_service", base)
    assert list(exc.value.error_dict) == ["base"]


def test_absurd_base_is_refused():
    calculate("in_service", 1_000_000_000)  # 10,000,000 yuan: allowed
    with pytest.raises(ValidationError) as exc:
        calculate("in_service", 1_000_000_001)
    assert list(exc.value.error_dict) == ["base"]


@pytest.mark.parametrize("category", ["bogus", "", "IN_SERVICE", "other", None])
def test_unknown_category_names_category(category):
    with pytest.raises(ValidationError) as exc:
        calculate(category, 100)
    assert list(exc.value.error_dict) == ["category"]


# --- properties ----------------------------------------------------------------------------------

bases = st.integers(min_value=0, max_value=100_000_000)  # 0 – 1,000,000.00 yuan
rate_categories = st.sampled_from(sorted(RATE_CATEGORIES))


@hsettings(deadline=None)  # no timing asserts: the machine is shared
@given(category=rate_categories, base=bases)
def test_property_matches_fraction_reference(category, base):
    result = calculate(category, base, rules=DEFAULT_RULES)
    ref_rate, ref_amount = reference(category, base)
    assert Fraction(result.rate) == ref_rate
    assert result.amount_cents == ref_amount
    assert type(result.amount_cents) is int


@hsettings(deadline=None)  # no timing asserts: the machine is shared
@given(category=rate_categories, a=bases, b=bases)
def test_property_monotonic_within_a_bracket(category, a, b):
    lo, hi = sorted((a, b))
    if _bracket_index(category, lo) == _bracket_index(category, hi):
        assert calculate(category, lo).amount_cents <= calculate(category, hi).amount_cents


@hsettings(deadline=None)  # no timing asserts: the machine is shared
@given(category=rate_categories, a=bases, b=bases)
def test_property_monotonic_overall_with_default_rates(category, a, b):
    """The default rates rise with the base, so a higher base never pays less."""
    lo, hi = sorted((a, b))
    assert calculate(category, lo).amount_cents <= calculate(category, hi).amount_cents


@hsettings(deadline=None)  # no timing asserts: the machine is shared
@given(category=st.sampled_from(sorted(DuesCategory.values)), base=st.one_of(st.none(), bases))
def test_property_amount_cents_always_int(category, base):
    if category in RATE_CATEGORIES and base is None:
        return
    result = calculate(category, base)
    assert type(result.amount_cents) is int
    assert result.amount_cents >= 0
    assert (result.rate is None) == (category in FLAT_CATEGORIES)


@hsettings(deadline=None)  # no timing asserts: the machine is shared
@given(base=bases)
def test_property_explanation_always_builds(base):
    with translation.override("zh-hans"):
        text = explain(calculate("in_service", base))
    assert cents_to_yuan(calculate("in_service", base).amount_cents, grouping=True) in text


# --- explanations --------------------------------------------------------------------------------

def test_explanation_in_chinese_matches_the_house_wording():
    with translation.override("zh-hans"):
        text = explain(calculate("in_service", 510_000))
    assert text == "在职党员月工资收入 5,100.00 元，在 5,000 元以上至 10,000 元（含）之间，按 1.5% 交纳：76.50 元"


def test_explanation_in_english():
    with translation.override("en"):
        text = explain(calculate("retired", 500_001))
    assert "5,000.01" in text and "above 5,000 yuan" in text and "1%" in text and "50.00" in text


def test_format_percent():
    assert [format_percent(Decimal(r)) for r in ("0.005", "0.01", "0.015", "0.02", "0.0150", "1")] == \
        ["0.5%", "1%", "1.5%", "2%", "1.5%", "100%"]


# --- configurable rules --------------------------------------------------------------------------

def _override(settings, rules):
    settings.DANGJIAN = {**settings.DANGJIAN, "DUES_RULES": rules}


def test_without_overrides_the_defaults_apply(settings):
    settings.DANGJIAN = {k: v for k, v in settings.DANGJIAN.items() if k != "DUES_RULES"}
    assert get_rules() == DEFAULT_RULES
    assert [m.id for m in run_checks() if m.id.startswith("dues.")] == []


def test_overrides_from_settings_change_the_result(settings):
    assert calculate("in_service", 300_000).amount_cents == 1500
    _override(settings, {
        "IN_SERVICE_BRACKETS": [["4000", "1%"], [None, "0.025"]],
        "RETIRED_BRACKETS": [[None, "0.004"]],
        "FLAT_AMOUNTS": {"student": "0.50"},
        "FARMER_DEFAULT": "0.30", "FARMER_MAX": "2.00",
    })
    assert calculate("in_service", 300_000).amount_cents == 3000           # 1 % now
    assert calculate("annual_salary", 400_001).amount_cents == 10000       # 2.5 % above 4000
    assert calculate("self_employed", 400_000).rate == Decimal("0.01")
    assert calculate("retired", 1_000_000).amount_cents == 4000            # one bracket, 0.4 %
    assert calculate("retired", 1_000_000).basis == "retired_brackets:any"
    assert calculate("student", None).amount_cents == 50
    assert calculate("unemployed", None).amount_cents == 20                # not overridden
    assert calculate("farmer", None).amount_cents == 30
    assert calculate("farmer", None, farmer_amount_cents=150).amount_cents == 150
    with translation.override("en"):
        assert "any amount" in explain(calculate("retired", 1_000_000))


def test_explicit_rules_win_over_settings(settings):
    _override(settings, {"IN_SERVICE_BRACKETS": [[None, "0.02"]]})
    assert calculate("in_service", 300_000, rules=DEFAULT_RULES).amount_cents == 1500
    assert calculate("in_service", 300_000).amount_cents == 6000


BAD_OVERRIDES = [
    {"IN_SERVICE_BRACKETS": [["5000", "0.01"], ["3000", "0.005"], [None, "0.02"]]},  # descending
    {"IN_SERVICE_BRACKETS": [["3000", "0.01"], ["3000", "0.02"], [None, "0.02"]]},   # not strictly ascending
    {"IN_SERVICE_BRACKETS": [["3000", "0.01"], ["5000", "0.02"]]},                   # no open last bracket
    {"IN_SERVICE_BRACKETS": [[None, "0.01"], ["5000", "0.02"]]},                     # open bracket not last
    {"IN_SERVICE_BRACKETS": [["0", "0.01"], [None, "0.02"]]},                        # bound must be > 0
    {"IN_SERVICE_BRACKETS": [["3000", "1.5"], [None, "0.02"]]},                      # 150 %
    {"IN_SERVICE_BRACKETS": [["3000", "101%"], [None, "0.02"]]},
    {"IN_SERVICE_BRACKETS": [["3000", "-0.01"], [None, "0.02"]]},
    {"IN_SERVICE_BRACKETS": [["3000", "abc"], [None, "0.02"]]},
    {"IN_SERVICE_BRACKETS": [["3000", "NaN"], [None, "0.02"]]},
    {"IN_SERVICE_BRACKETS": [["3000.001", "0.01"], [None, "0.02"]]},                 # sub-fen bound
    {"IN_SERVICE_BRACKETS": [["3000", "0.01", "extra"], [None, "0.02"]]},
    {"IN_SERVICE_BRACKETS": []},
    {"IN_SERVICE_BRACKETS": "0.01"},
    {"RETIRED_BRACKETS": [["5000", "0.005"]]},
    {"FARMER_DEFAULT": "1.50"},                                                     # above FARMER_MAX
    {"FARMER_MIN": "0"},
    {"FARMER_MIN": "0.80", "FARMER_MAX": "0.50"},
    {"FARMER_DEFAULT": "-0.20"},
    {"FARMER_DEFAULT": "0.205"},
    {"FLAT_AMOUNTS": {"students": "0.20"}},                                          # unknown category
    {"FLAT_AMOUNTS": ["0.20"]},
    {"FLAT_AMOUNTS": {"student": True}},
    {"IN_SERVICE_BRACKET": [[None, "0.02"]]},                                        # typo in key
    ["IN_SERVICE_BRACKETS"],
]


@pytest.mark.parametrize("overrides", BAD_OVERRIDES)
def test_invalid_overrides_are_refused(settings, overrides):
    _override(settings, overrides)
    with pytest.raises(DuesRulesError):
        get_rules()
    with pytest.raises(DuesRulesError):
        calculate("in_service", 510_000)
    assert [m.id for m in run_checks() if m.id.startswith("dues.")] == ["dues.E001"]


def test_invalid_override_message_names_the_key(settings):
    _override(settings, {"IN_SERVICE_BRACKETS": [["5000", "0.01"], ["3000", "0.005"], [None, "0.02"]]})
    with pytest.raises(DuesRulesError, match=r"IN_SERVICE_BRACKETS.*\[1\].*ascending"):
        get_rules()


def test_rules_dataclass_validates_and_is_frozen():
    with pytest.raises(DuesRulesError):
        DuesRules(in_service_brackets=(Bracket(300_000, Decimal("0.005")),))
    with pytest.raises(DuesRulesError):
        DuesRules(retired_brackets=(Bracket(None, Decimal("2")),))
    with pytest.raises(AttributeError):
        DEFAULT_RULES.farmer_default_cents = 50  # type: ignore[misc]


def test_percent_and_fraction_rates_are_the_same(settings):
    a = DuesRules.from_overrides({"IN_SERVICE_BRACKETS": [["3000", "0.5%"], [None, "2%"]]})
    b = DuesRules.from_overrides({"IN_SERVICE_BRACKETS": [[3000, "0.005"], [None, Decimal("0.020")]]})
    assert a == b
    assert b.in_service_brackets[1].rate == Decimal("0.02") and str(b.in_service_brackets[1].rate) == "0.02"


# --- parse_yuan ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "cents"), [
    ("5100", 510_000),
    ("5100.5", 510_050),
    ("5100.50", 510_050),
    ("5,100.50", 510_050),
    ("  5100  ", 510_000),
    ("0", 0),
    ("0.00", 0),
    ("0.01", 1),
    ("5100.", 510_000),
    ("+5100", 510_000),
    ("1,234,567.89", 123_456_789),
    ("10,000,000", 1_000_000_000),
    ("10000000.00", 1_000_000_000),
    ("５１００．５", 510_050),   # full-width, as typed with a Chinese IME
    ("5，100", 510_000),        # full-width comma
    ("¥5100", 510_000),
    ("5100元", 510_000),
    ("007", 700),
])
def test_parse_yuan_accepts(text, cents):
    assert parse_yuan(text) == cents


@pytest.mark.parametrize(("text", "code"), [
    ("", "required"),
    ("   ", "required"),
    (None, "required"),
    ("abc", "invalid"),
    ("1e309", "invalid"),
    ("1e3", "invalid"),
    ("nan", "invalid"),
    ("Infinity", "invalid"),
    ("0x10", "invalid"),
    ("5.1.1", "invalid"),
    ("1,00", "invalid"),
    ("12,34.5", "invalid"),
    ("1 000", "invalid"),
    (".5", "invalid"),
    ("5100\x00", "invalid"),
    ("1" * 100, "invalid"),
    ("--5", "invalid"),
    ("-1", "negative"),
    ("-0.01", "negative"),
    ("-5,100.00", "negative"),
    ("5100.123", "max_decimal_places"),
    ("0.001", "max_decimal_places"),
    ("10000000.01", "max_value"),
    ("99999999999", "max_value"),
])
def test_parse_yuan_refuses(text, code):
    with pytest.raises(ValidationError) as exc:
        parse_yuan(text)
    assert exc.value.code == code
    assert exc.value.messages[0]


def test_parse_yuan_messages_are_translated():
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        parse_yuan("-1")
    assert exc.value.messages[0] == "金额不能为负数。"
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        parse_yuan("5100.123")
    assert "two decimals" in exc.value.messages[0]


@hsettings(deadline=None)  # no timing asserts: the machine is shared
@given(st.integers(min_value=0, max_value=1_000_000_000))
def test_property_parse_yuan_round_trips(cents):
    assert parse_yuan(cents_to_yuan(cents)) == cents
    assert parse_yuan(cents_to_yuan(cents, grouping=True)) == cents
