"""The member's side: the calculator, my dues and paying them (for oneself or a family member), the
base report, the home-page items."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import has_any
from dangjian.dues import BillStatus, PaymentChannel
from dangjian.dues.actions import PERM_MANAGE, do_create_online_payment, do_submit_base
from dangjian.dues.billing import add_months, current_month, parse_month
from dangjian.dues.calc import cents_to_yuan, explain, format_percent, rule_summary
from dangjian.dues.consent import members_paid_by
from dangjian.dues.forms import BaseReportForm, DuesCalculatorForm, PayForm
from dangjian.dues.gateways import available_channels
from dangjian.dues.rules import get_rules
from dangjian.dues.selectors import member_bases, member_bills, member_payments, own_member
from dangjian.dues.views.common import _own_or_404


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


def home_items(request: HttpRequest) -> list[dict[str, Any]]:
    """Member home (党员e家): this month's dues, if unpaid."""
    member = own_member(request.user)
    if member is None:
        return []
    bill = member_bills(member).filter(month=current_month()).first()
    if bill is None or bill.status != BillStatus.DUE:
        return []
    return [{"title": _("Party dues for %(month)s") % {"month": f"{bill.month:%Y-%m}"},
             "body": _("%(amount)s yuan, unpaid") % {"amount": cents_to_yuan(bill.amount_cents)},
             "url": reverse("dues:my"), "order": 20}]


def _channel_choices() -> list[tuple[str, str]]:
    return [(c, str(PaymentChannel(c).label)) for c in available_channels()]


def _is_phone(request: HttpRequest) -> bool:
    agent = request.headers.get("User-Agent", "")
    return any(word in agent for word in ("Mobile", "Android", "iPhone"))


@login_required
@require_http_methods(["GET", "POST"])
def my_dues(request: HttpRequest) -> HttpResponse:
    """A member's dues: this month's bill, what is payable (补交 and 预交), paying, history.
    Staff who are not party members themselves are taken to the branch ledger."""
    if own_member(request.user) is None and has_any(request.user, PERM_MANAGE) and not members_paid_by(request.user):
        return redirect("dues:ledger")
    if own_member(request.user) is None and members_paid_by(request.user):
        return redirect("dues:pay_for", members_paid_by(request.user)[0].pk)
    return _pay_page(request, _own_or_404(request), proxy=False)


@login_required
@require_http_methods(["GET", "POST"])
def pay_for(request: HttpRequest, member_id: int) -> HttpResponse:
    """A proxy the branch consented to pays a member's dues (404 without a consent in force)."""
    member = next((m for m in members_paid_by(request.user) if str(m.pk) == str(member_id)), None)
    if member is None:
        raise Http404(_("Not found."))
    return _pay_page(request, member, proxy=True)


def _pay_page(request: HttpRequest, member: Any, *, proxy: bool) -> HttpResponse:
    from dangjian.dues.actions import member_window
    from dangjian.dues.consent import host_branch

    this = current_month()
    lo, hi = member_window(member)
    bills = list(member_bills(member).filter(month__gte=lo, month__lte=hi))
    by_month = {b.month: b for b in bills}
    unpaid = sorted(b.month for b in bills if b.status == BillStatus.DUE)
    choices: list[tuple[str, str]] = []
    for m in unpaid:
        label = _("%(month)s: %(amount)s yuan") % {"month": f"{m:%Y-%m}", "amount": cents_to_yuan(by_month[m].amount_cents)}
        choices.append((f"{m:%Y-%m}", label))
    for i in range(1, 13):
        m = add_months(this, i)
        if m > hi:
            break
        if m not in by_month:
            choices.append((f"{m:%Y-%m}", _("%(month)s (in advance)") % {"month": f"{m:%Y-%m}"}))
    host = host_branch(member)
    form = PayForm(request.POST or None, month_choices=choices, channels=_channel_choices(),
                   initial={"months": [f"{m:%Y-%m}" for m in unpaid]}, host=host)
    if request.method == "POST" and form.is_valid():
        months = [m for m in (parse_month(v) for v in form.cleaned_data["months"]) if m]
        try:
            payment = do_create_online_payment(
                member, months=months, voluntary_cents=form.cleaned_data.get("voluntary") or 0,
                channel=form.cleaned_data["channel"], mode="h5" if _is_phone(request) else "native",
                client_ip=request.META.get("REMOTE_ADDR", ""), at_host=bool(form.cleaned_data.get("at_host")),
                acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            return redirect("dues:pay", out_trade_no=payment.out_trade_no)
    history = member_payments(member)[:20]
    return render(request, "dues/my.html", {
        "proxy": proxy, "paid_for": members_paid_by(request.user), "host": host,
        "member": member, "this_month": this, "bill": by_month.get(this), "unpaid": [by_month[m] for m in unpaid],
        "form": form, "history": history, "channels": _channel_choices(),
        "bases": member_bases(member)[:5],
        "year_bills": member_bills(member, this.year),
    })


@login_required
@require_http_methods(["GET", "POST"])
def report_base(request: HttpRequest) -> HttpResponse:
    member = _own_or_404(request)
    initial = {"year": timezone.localdate().year, "category": {"retired": "retired", "farmer": "farmer",
               "student": "student", "unemployed": "unemployed"}.get(member.category, "in_service")}
    form = BaseReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            do_submit_base(member, form.action_data(), acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Your base was sent to the branch to check."))
            return redirect("dues:my")
    return render(request, "dues/report_base.html", {"form": form, "member": member})
