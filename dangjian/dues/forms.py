"""Forms of the dues module: the public dues calculator."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


# --- bases, payments, reliefs -------------------------------------------------------------------

class YuanField(forms.CharField):
    """An amount in yuan typed by a person → integer cents (``parse_yuan``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("inputmode", "decimal")

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        return parse_yuan(text)


INCOME_ROWS = 4


class BaseReportForm(forms.Form):
    """A member's own report (or a branch entry): income items and deductions → the base."""

    year = forms.IntegerField(label=_("Year"))
    effective_month = forms.TypedChoiceField(label=_("Effective from month"), coerce=int,
                                             choices=[(i, str(i)) for i in range(1, 13)], initial=1,
                                             help_text=_("The month the new salary was first paid."))
    category = forms.ChoiceField(label=_("Dues category"), choices=DuesCategory.choices)
    farmer_amount = YuanField(label=_("Farmer member's monthly amount (yuan)"), required=False)
    tax = YuanField(label=_("Individual income tax (yuan)"), required=False)
    insurance = YuanField(label=_("Social insurance and housing fund paid by you (yuan)"), required=False,
                          help_text=_("Deducted only where your province's rules say so."))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(INCOME_ROWS):
            self.fields[f"item_{i}"] = forms.CharField(label=_("Income item"), required=False, max_length=40)
            self.fields[f"amount_{i}"] = YuanField(label=_("Amount (yuan)"), required=False)
        self.fields["item_0"].initial = _("Basic salary")

    def income_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"item_{i}"], self[f"amount_{i}"]) for i in range(INCOME_ROWS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        items: list[dict[str, Any]] = []
        for i in range(INCOME_ROWS):
            name, cents = (data.get(f"item_{i}") or "").strip(), data.get(f"amount_{i}")
            if cents is None:
                continue
            if not name:
                self.add_error(f"item_{i}", _("Name the income item."))
                continue
            items.append({"item": name, "cents": cents})
        if data.get("tax"):
            items.append({"item": str(_("Individual income tax")), "cents": -data["tax"]})
        if data.get("insurance"):
            items.append({"item": str(_("Social insurance and housing fund")), "cents": -data["insurance"]})
        data["income_breakdown"] = items
        if data.get("category") in RATE_CATEGORIES and not any(i["cents"] > 0 for i in items):
            self.add_error("amount_0", _("Enter at least one income item."))
        return data

    def action_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"year": d["year"], "effective_month": d["effective_month"], "category": d["category"],
                "income_breakdown": d["income_breakdown"], "farmer_amount_cents": d.get("farmer_amount"),
                "note": d.get("note", "")}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("return", _("Return"))])
    review_note = forms.CharField(label=_("Note"), required=False, max_length=200)


class PayForm(forms.Form):
    """The months a member pays now, a voluntary amount and the way to pay."""

    months = forms.MultipleChoiceField(label=_("Months"), required=False, widget=forms.CheckboxSelectMultiple)
    voluntary = YuanField(label=_("Voluntary extra dues (yuan)"), required=False)
    channel = forms.ChoiceField(label=_("Pay with"), widget=forms.RadioSelect)

    at_host = forms.BooleanField(label=_("Pay to my host branch"), required=False)

    def __init__(self, *args: Any, month_choices: list[tuple[str, str]], channels: list[tuple[str, str]],
                 host: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if host is None:
            del self.fields["at_host"]
        else:
            self.fields["at_host"].help_text = _("As a floating member you may pay to %(org)s.") % {"org": host.name}
        cast(forms.ChoiceField, self.fields["months"]).choices = month_choices
        cast(forms.ChoiceField, self.fields["channel"]).choices = channels
        if channels:
            self.fields["channel"].initial = channels[0][0]


class OfflinePaymentForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    months = forms.CharField(label=_("Months"), max_length=200,
                             help_text=_("Months as YYYY-MM separated by commas, e.g. 2026-09, 2026-10."))
    channel = forms.ChoiceField(label=_("Paid by"), choices=[("cash", _("Cash")), ("bank_transfer", _("Bank transfer"))])
    reference = forms.CharField(label=_("Bank transfer reference"), required=False, max_length=100)
    voluntary = YuanField(label=_("Voluntary extra dues (yuan)"), required=False)

    def clean_months(self) -> list[Any]:
        from dangjian.dues.billing import parse_month

        out = []
        for part in str(self.cleaned_data["months"]).replace("，", ",").split(","):
            if not part.strip():
                continue
            month = parse_month(part)
            if month is None:
                raise ValidationError(_("“%(value)s” is not a month like 2026-09.") % {"value": part.strip()[:20]})
            out.append(month)
        if not out:
            raise ValidationError(_("Give at least one month."))
        return out


class ReliefForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=pgettext_lazy("dues", "Kind"), choices=[("reduction", _("Reduction")), ("exemption", _("Exemption"))])
    from_month = forms.CharField(label=_("From month"), max_length=7, help_text=_("YYYY-MM"))
    to_month = forms.CharField(label=_("To month"), max_length=7, help_text=_("YYYY-MM"))
    monthly = YuanField(label=_("Reduced monthly amount (yuan)"), required=False)
    reason = forms.CharField(label=_("Reason (as discussed by the branch)"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def _month(self, name: str) -> Any:
        from dangjian.dues.billing import parse_month

        month = parse_month(self.cleaned_data.get(name))
        if month is None:
            raise ValidationError(_("Give a month like 2026-09."))
        return month

    def clean_from_month(self) -> Any:
        return self._month("from_month")

    def clean_to_month(self) -> Any:
        return self._month("to_month")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    decision_note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
