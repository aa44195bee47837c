"""Views of the dues module."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dangjian.dues.calc import cents_to_yuan, explain, format_percent, rule_summary
from dangjian.dues.forms import DuesCalculatorForm
from dangjian.dues.rules import get_rules


@require_GET
def calculator(request: HttpRequest) -> HttpResponse:
    """The public dues calculator: no sign-in needed, nothing stored (a GET form)."""
    rules = get_rules()
    form = DuesCalculatorForm(request.GET if "category" in request.GET else None, rules=rules)
    result = None
    if form.is_bound and form.is_valid() and form.result is not None:
        res = form.result
        result = {
            "rate": format_percent(res.rate) if res.rate is not None else None,
            "amount": cents_to_yuan(res.amount_cents, grouping=True),
            "explanation": explain(res, rules),
        }
    return render(request, "dues/calculator.html", {
        "form": form,
        "result": result,
        "summary": rule_summary(rules),
    })
