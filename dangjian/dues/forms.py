"""Forms of the dues module: the public dues calculator."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangjian.dues import RATE_CATEGORIES, DuesCategory
from dangjian.dues.calc import DuesResult, calculate, cents_to_yuan, parse_yuan
from dangjian.dues.rules import DuesRules, get_rules


class DuesCalculatorForm(forms.Form):
    """Category, monthly base and (for farmers) the branch's amount → ``self.result``.

    The base is only read for the categories that need one, and the farmer amount only for
    farmers, so a leftover value in a field that does not apply never blocks the answer.
    """

    category = forms.ChoiceField(label=_("Category"), choices=DuesCategory.choices,
                                 initial=DuesCategory.IN_SERVICE)
    base = forms.CharField(
        label=_("Monthly base (yuan)"), required=False, max_length=40,
        help_text=_("Regular monthly salary after individual income tax (pension for retired members; "
                    "the amount received this month for annual-salary earners; last quarter's average "
                    "monthly net income for the self-employed). Not needed for farmers, students, "
                    "unemployed members or members on the minimum living allowance."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "placeholder": "5100.00"}),
    )
    farmer_amount = forms.CharField(
        label=_("Amount set by the branch for farmer members (yuan, optional)"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, rules: DuesRules | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules or get_rules()
        self.result: DuesResult | None = None
        self.fields["farmer_amount"].help_text = _(
            "Between %(min)s and %(max)s yuan; %(default)s yuan when the branch has set nothing."
        ) % {"min": cents_to_yuan(self.rules.farmer_min_cents), "max": cents_to_yuan(self.rules.farmer_max_cents),
             "default": cents_to_yuan(self.rules.farmer_default_cents)}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        category = data.get("category")
        if not category:
            return data
        base_cents = farmer_cents = None
        try:
            if category in RATE_CATEGORIES:
                base_cents = parse_yuan(data.get("base"))
            if category == DuesCategory.FARMER and (data.get("farmer_amount") or "").strip():
                farmer_cents = parse_yuan(data.get("farmer_amount"))
        except ValidationError as exc:
            self.add_error("base" if category in RATE_CATEGORIES else "farmer_amount", exc)
            return data
        try:
            self.result = calculate(category, base_cents, rules=self.rules, farmer_amount_cents=farmer_cents)
        except ValidationError as exc:
            self.add_error(None, exc)
        return data
