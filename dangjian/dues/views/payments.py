"""A payment's pages: paying, the return from the gateway, checking it, the receipt, refunds, and
the branch recording an offline payment."""

from __future__ import annotations

import urllib.parse
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import in_scope
from dangjian.core.workbench import note_visit
from dangjian.dues import BillStatus, PaymentChannel, PaymentStatus
from dangjian.dues.actions import PERM_MANAGE, do_record_offline_payment, do_refund_payment, do_sync_payment
from dangjian.dues.billing import current_month
from dangjian.dues.forms import OfflinePaymentForm
from dangjian.dues.selectors import access_managed_member, access_payment, member_bills
from dangjian.dues.views.common import _latest_refund


def _payment_context(request: HttpRequest, payment: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {"payment": payment, "bills": payment.bills.order_by("month")}
    if payment.status == PaymentStatus.PENDING and payment.pay_url:
        if payment.channel == PaymentChannel.ALIPAY:
            ctx["alipay_url"] = payment.pay_url
        elif payment.pay_mode == "native":
            ctx["qr_svg"] = segno.make(payment.pay_url, error="m").svg_inline(scale=5)
        else:
            back = request.build_absolute_uri(reverse("dues:pay_return", args=[payment.out_trade_no]))
            ctx["h5_url"] = payment.pay_url + "&redirect_url=" + urllib.parse.quote(back, safe="")
    return ctx


@login_required
@require_GET
def pay(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    payment = access_payment(request.user, out_trade_no)
    if payment.status == PaymentStatus.PAID:
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("dues:receipt", args=[payment.out_trade_no])
            return response
        return redirect("dues:receipt", out_trade_no=payment.out_trade_no)
    template = "dues/_pay_status.html" if request.headers.get("HX-Request") else "dues/pay.html"
    return render(request, template, _payment_context(request, payment))


@login_required
@require_GET
def pay_return(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """Where the payer's browser comes back: the notification may have come first, or not yet —
    ask the gateway either way."""
    payment = access_payment(request.user, out_trade_no)
    payment = do_sync_payment(payment, acting_user=request.user)
    if payment.status == PaymentStatus.PAID:
        return redirect("dues:receipt", out_trade_no=payment.out_trade_no)
    return redirect("dues:pay", out_trade_no=payment.out_trade_no)


@login_required
@require_POST
def pay_check(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    payment = access_payment(request.user, out_trade_no)
    payment = do_sync_payment(payment, acting_user=request.user)
    if payment.status == PaymentStatus.PAID:
        return redirect("dues:receipt", out_trade_no=payment.out_trade_no)
    messages.info(request, _("The payment has not arrived yet."))
    return redirect("dues:pay", out_trade_no=payment.out_trade_no)


@login_required
@require_GET
def receipt(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    payment = access_payment(request.user, out_trade_no)
    if payment.status not in (PaymentStatus.PAID, PaymentStatus.REFUNDED):
        return redirect("dues:pay", out_trade_no=payment.out_trade_no)
    from dangjian.dues import RefundStatus

    # at most one refund of a payment is processing, and a new attempt needs none processing: the
    # latest refund tells whether one is in progress
    refund = _latest_refund(payment)
    manages = in_scope(request.user, PERM_MANAGE, payment.org_path)
    return render(request, "dues/receipt.html", {
        "payment": payment,
        "bills": payment.paid_bills.order_by("month") if payment.status == PaymentStatus.PAID
        else payment.bills.order_by("month"),
        "can_refund": payment.status == PaymentStatus.PAID and manages
        and not (refund is not None and refund.status == RefundStatus.PROCESSING),
        "can_check_refund": manages,
        "refund": refund,
    })


@login_required
@require_http_methods(["GET", "POST"])
def record_payment(request: HttpRequest, member_id: int) -> HttpResponse:
    """The branch records dues paid in cash or by transfer: the member's unpaid months (and the
    months payable ahead) are offered as checkboxes; the action checks them again. Saved, the
    treasurer is back on the branch's dues table, with the receipt a click away."""
    member = access_managed_member(request.user, member_id, with_guests=True)
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        # ticked boxes (several values) or one typed text: the form parses both
        data["months"] = ", ".join(m for m in request.POST.getlist("months") if m.strip())
    form = OfflinePaymentForm(data, initial={"member": member.pk})
    if request.method == "POST" and form.is_valid():
        try:
            payment = do_record_offline_payment(
                member, months=form.cleaned_data["months"], channel=form.cleaned_data["channel"],
                voluntary_cents=form.cleaned_data.get("voluntary") or 0,
                reference=form.cleaned_data.get("reference", ""), acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, format_html(
                _("Payment of {amount} yuan recorded for {name} ({months}). <a href=\"{url}\">Receipt</a>"),
                amount=payment.amount_yuan, name=member.person.name, months=payment.months_label,
                url=reverse("dues:receipt", args=[payment.out_trade_no])))
            return redirect(_back_to_branch(request, member))
    note_visit(request, f"{member.person.name} · {_('Record a payment')}", kind="dues")  # recent items (GET only)
    unpaid = list(member_bills(member).filter(status=BillStatus.DUE).order_by("month")[:24])
    picked = set(request.POST.getlist("months")) if request.method == "POST" else {f"{current_month():%Y-%m}"}
    return render(request, "dues/record_payment.html", {
        "form": form, "member": member, "unpaid": unpaid, "month_choices": _month_choices(member, unpaid),
        "picked": picked, "back": _back_to_branch(request, member)})


def _month_choices(member: Any, unpaid: list[Any]) -> list[dict[str, Any]]:
    """The months a treasurer may tick: every unpaid bill, then this month and the months ahead
    (预交) not settled yet."""
    from dangjian.dues.actions import payable_window
    from dangjian.dues.billing import add_months

    _lo, hi = payable_window()
    settled = set(member_bills(member).exclude(status=BillStatus.DUE).filter(month__gte=current_month())
                  .values_list("month", flat=True))
    out = [{"value": f"{b.month:%Y-%m}", "amount": b.amount_yuan, "late": b.month < current_month()} for b in unpaid]
    billed = {b.month for b in unpaid}
    month = current_month()
    while month <= hi:
        if month not in billed and month not in settled:
            out.append({"value": f"{month:%Y-%m}", "amount": "", "late": False})
        month = add_months(month, 1)
    return out


def _back_to_branch(request: HttpRequest, member: Any) -> str:
    """The dues table of the member's branch (or of the host branch for a floating guest)."""
    org_id = member.organization_id
    if not in_scope(request.user, PERM_MANAGE, member.org_path):
        from dangjian.dues.consent import host_branch

        host = host_branch(member)
        org_id = host.pk if host is not None else None
    base = reverse("dues:member_year")
    return f"{base}?org={org_id}" if org_id else reverse("dues:ledger")


@login_required
@require_POST
def refund(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    payment = access_payment(request.user, out_trade_no)
    try:
        payment = do_refund_payment(payment, reason=request.POST.get("reason", ""), acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if payment.status == PaymentStatus.REFUNDED:
            messages.success(request, _("Payment refunded; its months are unpaid again."))
        else:
            messages.info(request, _("The refund was asked of the payment service; the payment is refunded when "
                                     "it confirms."))
    return redirect("dues:receipt", out_trade_no=payment.out_trade_no)


@login_required
@require_POST
def refund_check(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    """The treasurer asks the gateway about a refund in progress."""
    from dangjian.dues import RefundStatus
    from dangjian.dues.refunds import do_sync_refund

    payment = access_payment(request.user, out_trade_no)
    refund = _latest_refund(payment)
    if refund is None or not in_scope(request.user, PERM_MANAGE, payment.org_path):
        raise Http404
    refund = do_sync_refund(refund, acting_user=request.user)
    if refund.status == RefundStatus.PROCESSING:
        messages.info(request, _("The payment service has not finished the refund yet."))
    return redirect("dues:receipt", out_trade_no=payment.out_trade_no)
