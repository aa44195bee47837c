"""Views of the dues module: thin (parse → access/selector → one action → render)."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.core.scoping import has_any, in_scope
from dangjian.core.spreadsheets import XLSX_CONTENT_TYPE, xlsx_response
from dangjian.dues import (
    ArrearsLevel,
    ArrearsStatus,
    BaseStatus,
    BillStatus,
    HandoverStatus,
    PaymentChannel,
    PaymentStatus,
    ReliefStatus,
)
from dangjian.dues.actions import (
    PERM_MANAGE,
    do_create_online_payment,
    do_decide_relief,
    do_generate_bills,
    do_handle_gateway_notification,
    do_import_bases,
    do_propose_relief,
    do_record_offline_payment,
    do_refund_payment,
    do_review_base,
    do_submit_base,
    do_sync_payment,
)
from dangjian.dues.arrears import do_decide_arrears
from dangjian.dues.billing import add_months, current_month, parse_month
from dangjian.dues.calc import cents_to_yuan, explain, format_percent, rule_summary
from dangjian.dues.consent import members_paid_by
from dangjian.dues.excel import bases_template, check_bases_file, ledger_workbook
from dangjian.dues.forms import (
    BaseReportForm,
    DecisionForm,
    DuesCalculatorForm,
    ImportForm,
    OfflinePaymentForm,
    PayForm,
    ReliefForm,
    ReviewForm,
)
from dangjian.dues.gateways import available_channels
from dangjian.dues.gateways.wechat import notification_headers
from dangjian.dues.models import Payment
from dangjian.dues.pdf import ledger_pdf
from dangjian.dues.rules import get_rules
from dangjian.dues.selectors import (
    access_arrears,
    access_base,
    access_ledger_org,
    access_managed_member,
    access_payment,
    access_reconciliation,
    access_reconciliation_item,
    access_relief,
    arrears_for,
    bases_for,
    branch_month_ledger,
    handover_list_totals,
    handover_totals,
    ledger_members,
    managed_orgs,
    member_bases,
    member_bills,
    member_payments,
    member_year_rows,
    member_year_totals,
    own_member,
    payments_for,
    reconciliation_items,
    reconciliations_for,
    reliefs_for,
)

PAGE_SIZE = 25


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


# --- member side --------------------------------------------------------------------------------

def _own_or_404(request: HttpRequest) -> Any:
    member = own_member(request.user)
    if member is None:
        raise Http404(_("Not found."))
    return member


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


@csrf_exempt
@require_POST
def notify_wechat(request: HttpRequest) -> HttpResponse:
    """WeChat Pay's asynchronous notification (signed; no session)."""
    body = request.body.decode("utf-8", errors="replace")
    return _wechat_answer(*do_handle_gateway_notification("wechat", notification_headers(request.META), body))


def _wechat_answer(status: int, outcome: str) -> HttpResponse:
    """What WeChat Pay expects back from a notification URL: SUCCESS, or FAIL with a message."""
    payload = {"code": "SUCCESS"} if status == 200 else {"code": "FAIL", "message": outcome}
    return HttpResponse(json.dumps(payload), status=status, content_type="application/json")


@csrf_exempt
@require_POST
def notify_alipay(request: HttpRequest) -> HttpResponse:
    """Alipay's asynchronous notification (a signed form POST); Alipay expects ``success``."""
    body = request.body.decode("utf-8", errors="replace")
    status, _outcome = do_handle_gateway_notification("alipay", {}, body)
    return HttpResponse("success" if status == 200 else "fail", status=status, content_type="text/plain")


# --- branch side --------------------------------------------------------------------------------

def _require_manager(request: HttpRequest) -> None:
    if not has_any(request.user, PERM_MANAGE):
        raise PermissionDenied


def _org_and_month(request: HttpRequest) -> tuple[Any, Any]:
    orgs = managed_orgs(request.user)
    org_id = request.GET.get("org") or request.POST.get("org")
    org = access_ledger_org(request.user, org_id) if org_id else orgs.first()
    if org is None:
        raise Http404(_("Not found."))
    month = parse_month(request.GET.get("month") or request.POST.get("month")) or current_month()
    return org, month


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    """应缴/实缴/欠缴 per branch for a month; ``?export=xlsx`` downloads the same numbers."""
    _require_manager(request)
    org, month = _org_and_month(request)
    data = branch_month_ledger(request.user, org, month)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(ledger_workbook(data, _hosted_guests(org, month)), f"dues-ledger-{month:%Y-%m}.xlsx")
    if request.GET.get("export") == "pdf":
        response = HttpResponse(ledger_pdf(data, _hosted_guests(org, month)), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="dues-ledger-{month:%Y-%m}.pdf"'
        return response
    # The page's ids first (sorting ≈30,000 narrow rows), then only those 25 payments with their members.
    payments = Paginator(payments_for(request.user, org).values_list("pk", flat=True), PAGE_SIZE) \
        .get_page(request.GET.get("page"))
    rows: Any = list(Payment.objects.filter(pk__in=list(payments.object_list))
                     .select_related("member__person").order_by("-created_at", "-pk"))
    payments.object_list = rows
    # One row per child organization (its subtree rolled up); a child's name opens its own ledger.
    base = reverse("dues:ledger")
    rows_html = format_html_join("", "<tr><td><a href=\"{}?org={}&amp;month={}\">{}</a></td><td>{}</td><td>{}</td>"
                                 "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                                 ((base, r.org_id, f"{month:%Y-%m}", r.name, r.due_count, r.due_yuan, r.paid_count,
                                   r.paid_yuan, r.unpaid_count, r.unpaid_yuan, r.exempt_count) for r in data.rows))
    return render(request, "dues/ledger.html", {
        "org": org, "month": month, "ledger": data, "rows_html": rows_html, "orgs": managed_orgs(request.user)[:200],
        "prev": add_months(month, -1), "next": add_months(month, 1), "page": payments,
        "handed": handover_totals(org, month),
        "guests": _hosted_guests(org, month),  # duesfx
    })


@login_required
@require_GET
def member_year(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    org, _month = _org_and_month(request)
    try:
        year = int(request.GET.get("year") or current_month().year)
    except ValueError:
        year = current_month().year
    listed = ledger_members(request.user, org)
    paginator = Paginator(listed, PAGE_SIZE)
    totals = member_year_totals(request.user, org, year, paginator.count)
    if request.GET.get("export") in EXPORTS:
        return _member_year_export(request, org, year, listed, totals)
    page = paginator.get_page(request.GET.get("page"))
    rows = member_year_rows(request.user, org, year, list(page.object_list))
    return render(request, "dues/member_year.html", {"org": org, "year": year, "rows": rows, "page": page,
                                                     "totals": totals, "month_numbers": range(1, 13),
                                                     "export_max": MEMBER_YEAR_EXPORT_MAX})


@login_required
@require_http_methods(["GET", "POST"])
def generate(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    org, month = _org_and_month(request)
    if request.method == "POST":
        try:
            result = do_generate_bills(month, org_path=org.path, acting_user=request.user)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(created)d bills created for %(month)s; %(missing)d members still have "
                                        "no approved base.") % {"created": result.created, "month": f"{month:%Y-%m}",
                                                               "missing": result.missing_base})
    return redirect(f"{reverse('dues:ledger')}?org={org.pk}&month={month:%Y-%m}")


@login_required
@require_GET
def bases(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    org, _month = _org_and_month(request)
    try:
        year = int(request.GET.get("year") or current_month().year)
    except ValueError:
        year = current_month().year
    status = request.GET.get("status") or ""
    if status not in BaseStatus.values:
        status = ""
    page = Paginator(bases_for(request.user, org, year, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/bases.html", {"org": org, "year": year, "page": page, "status": status,
                                               "statuses": BaseStatus.choices})


@login_required
@require_POST
def review_base(request: HttpRequest, base_id: int) -> HttpResponse:
    base = access_base(request.user, base_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            do_review_base(base, approve=form.cleaned_data["decision"] == "approve",
                           note=form.cleaned_data.get("review_note", ""), acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    return redirect(f"{reverse('dues:bases')}?org={base.member.organization_id}&year={base.year}")


@login_required
@require_http_methods(["GET", "POST"])
def import_bases(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    if request.GET.get("template"):
        return xlsx_response(bases_template(), "dues-bases.xlsx")
    form = ImportForm(request.POST or None, request.FILES or None)
    check = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        check = check_bases_file(upload, user=request.user)
        if check.ok:
            summary = do_import_bases(check.rows, acting_user=request.user, filename=upload.name)
            messages.success(request, _("%(n)d bases imported and approved.") % {"n": summary.count})
            return redirect("dues:bases")
    return render(request, "dues/import_bases.html", {"form": form, "check": check})


@login_required
@require_http_methods(["GET", "POST"])
def record_payment(request: HttpRequest, member_id: int) -> HttpResponse:
    member = access_managed_member(request.user, member_id, with_guests=True)
    form = OfflinePaymentForm(request.POST or None, initial={"member": member.pk,
                                                             "months": f"{current_month():%Y-%m}"})
    if request.method == "POST" and form.is_valid():
        try:
            payment = do_record_offline_payment(
                member, months=form.cleaned_data["months"], channel=form.cleaned_data["channel"],
                voluntary_cents=form.cleaned_data.get("voluntary") or 0,
                reference=form.cleaned_data.get("reference", ""), acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Payment recorded."))
            return redirect("dues:receipt", out_trade_no=payment.out_trade_no)
    unpaid = member_bills(member).filter(status=BillStatus.DUE).order_by("month")[:24]
    return render(request, "dues/record_payment.html", {"form": form, "member": member, "unpaid": unpaid})


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
@require_http_methods(["GET", "POST"])
def reliefs(request: HttpRequest) -> HttpResponse:
    """Reductions and exemptions: the branch proposes (``?member=``), the committee above decides."""
    org, _month = _org_and_month(request) if has_any(request.user, PERM_MANAGE) else (None, None)
    if org is None:
        raise PermissionDenied
    member = access_managed_member(request.user, request.GET.get("member") or request.POST.get("member")) \
        if (request.GET.get("member") or request.POST.get("member")) else None
    form = ReliefForm(request.POST or None, initial={"member": member.pk if member else None})
    if request.method == "POST" and member is not None and form.is_valid():
        d = form.cleaned_data
        try:
            do_propose_relief(member, {"kind": d["kind"], "from_month": d["from_month"], "to_month": d["to_month"],
                                       "monthly_cents": d.get("monthly"), "reason": d["reason"],
                                       "evidence": d["evidence"]}, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Proposal sent to the higher committee."))
            return redirect(f"{reverse('dues:reliefs')}?org={org.pk}")
    page = Paginator(reliefs_for(request.user, org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/reliefs.html", {"org": org, "page": page, "form": form, "member": member,
                                                 "proposed": ReliefStatus.PROPOSED})


@login_required
@require_POST
def decide_relief(request: HttpRequest, relief_id: int) -> HttpResponse:
    relief = access_relief(request.user, relief_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            do_decide_relief(relief, approve=form.cleaned_data["decision"] == "approve",
                             note=form.cleaned_data.get("decision_note", ""), acting_user=request.user)
        except PermissionDenied:
            messages.error(request, _("Only the committee above the branch can decide."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
    return HttpResponseRedirect(reverse("dues:reliefs"))




@login_required
@require_http_methods(["GET", "POST"])
def arrears(request: HttpRequest) -> HttpResponse:
    """Open arrears steps under an organization; the branch records its decision on 6-month alerts."""
    _require_manager(request)
    org, _month = _org_and_month(request)
    if request.method == "POST":
        alert = access_arrears(request.user, request.POST.get("alert"))
        try:
            do_decide_arrears(alert, decision=request.POST.get("decision", ""),
                              note=request.POST.get("decision_note", ""), acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The branch's decision is recorded."))
        return redirect(f"{reverse('dues:arrears')}?org={org.pk}")
    page = Paginator(arrears_for(request.user, org), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/arrears.html", {"org": org, "page": page, "lapse_level": ArrearsLevel.LAPSE_ALERT,
                                                 "open": ArrearsStatus.OPEN})


# --- reconciliation -----------------------------------------------------------------------------

@login_required
@require_GET
def reconciliations(request: HttpRequest) -> HttpResponse:
    """Each day's comparison with the gateways' bills; the money totals are shown to the county level."""
    from dangjian.dues.reconcile import county_path

    _require_manager(request)
    page = Paginator(reconciliations_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/reconciliations.html", {
        "page": page, "county_level": in_scope(request.user, PERM_MANAGE, county_path())})


@login_required
@require_http_methods(["GET", "POST"])
def reconciliation(request: HttpRequest, rec_id: int) -> HttpResponse:
    """One day's mismatches in the user's scope; the county level can run the day again."""
    from dangjian.dues.reconcile import county_path, do_reconcile

    rec = access_reconciliation(request.user, rec_id)
    county_level = in_scope(request.user, PERM_MANAGE, county_path())
    if request.method == "POST":
        rec = do_reconcile(rec.channel, rec.bill_date, acting_user=request.user)
        messages.success(request, _("The day was reconciled again: %(status)s.") % {"status": rec.get_status_display()})
        return redirect("dues:reconciliation", rec.pk)
    page = Paginator(reconciliation_items(request.user, rec), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dues/reconciliation.html", {"rec": rec, "page": page, "county_level": county_level,
                                                        **_settlement_context(request, rec, page)})


# --- public notice (党费公示) and hand-over (上缴) -------------------------------------------------

MONTH_NUMBERS = list(range(1, 13))


def _year(request: HttpRequest) -> int | None:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        return None
    return year if 2000 <= year <= 2100 else None


@login_required
@require_GET
def notice(request: HttpRequest) -> HttpResponse:
    """The published yearly dues notice of the member's own branch."""
    from dangjian.dues.selectors import member_notice

    member = _own_or_404(request)
    published = member_notice(member, _year(request))
    if request.GET.get("export") in EXPORTS:  # duesfx: the published version, as on the screen
        from dangjian.dues.collection import notice_sheet_published

        if published is None:
            raise Http404(_("Not found."))
        return _notice_export(request, notice_sheet_published(published, member.organization.name))
    return render(request, "dues/notice.html", {"notice": published, "org": member.organization,
                                                "rows": published.rows if published else [],
                                                "month_numbers": MONTH_NUMBERS, "preview": False})


@login_required
@require_http_methods(["GET", "POST"])
def manage_notice(request: HttpRequest) -> HttpResponse:
    """The branch previews its notice for a year (live figures) and publishes it."""
    from dangjian.dues.collection import do_publish_notice, notice_data
    from dangjian.dues.models import DuesNotice

    _require_manager(request)
    org, _month = _org_and_month(request)
    year = _year(request) or timezone.localdate().year
    if request.method == "POST":
        try:
            do_publish_notice(org, year, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The notice is published to the branch's members."))
        return redirect(f"{reverse('dues:manage_notice')}?org={org.pk}&year={year}")
    data = notice_data(org, year)
    published = DuesNotice.objects.filter(organization=org, year=year).first()
    if request.GET.get("export") in EXPORTS:  # duesfx: the live figures of the preview, as on the screen
        from dangjian.dues.collection import notice_sheet_live

        return _notice_export(request, notice_sheet_live(org, year, data, published))
    return render(request, "dues/notice.html", {
        "notice": published, "org": org, "rows": data.rows, "year": year, "data": data,
        "due_yuan": cents_to_yuan(data.due_cents), "paid_yuan": cents_to_yuan(data.paid_cents),
        "voluntary_yuan": cents_to_yuan(data.voluntary_cents), "month_numbers": MONTH_NUMBERS, "preview": True})


@login_required
@require_http_methods(["GET", "POST"])
def handovers(request: HttpRequest) -> HttpResponse:
    """Hand-overs under an organization; its branch hands up, the committee above confirms."""
    from dangjian.dues.collection import collected_cents, do_decide_handover, do_hand_up_dues
    from dangjian.dues.selectors import access_handover, handovers_for

    _require_manager(request)
    org, _month = _org_and_month(request)
    if request.method == "POST":
        try:
            if request.POST.get("handover"):
                handover = access_handover(request.user, request.POST.get("handover"))
                do_decide_handover(handover, confirm=request.POST.get("decision") == "confirm",
                                   note=request.POST.get("decision_note", ""), acting_user=request.user)
            else:
                first = parse_month(request.POST.get("period_start"))
                amount = _yuan_to_cents_field(request.POST.get("handed_up", ""), "handed_up")
                do_hand_up_dues(org, period_start=first, months=request.POST.get("months"), handed_up_cents=amount,
                                reference=request.POST.get("reference", ""), note=request.POST.get("note", ""),
                                acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("Saved."))
        return redirect(f"{reverse('dues:handovers')}?org={org.pk}")
    listed = handovers_for(request.user, org)
    if request.GET.get("export") in EXPORTS:  # duesfx
        return _handovers_export(request, org, listed)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    last = add_months(current_month(), -1)
    return render(request, "dues/handovers.html", {
        "org": org, "page": page, "can_hand_up": org.depth > 1, "last_month": last,
        "last_month_collected": cents_to_yuan(collected_cents(org, last, last)),
        "decidable": {h.pk for h in page if in_scope(request.user, PERM_MANAGE, h.to_organization.path)
                      and h.status == HandoverStatus.HANDED_UP},
        "orgs": managed_orgs(request.user)[:200], "totals": handover_list_totals(listed)})


def _yuan_to_cents_field(text: str, field: str) -> int:
    from dangjian.dues.gateways import yuan_to_cents

    cents = yuan_to_cents((text or "").strip() or "x")
    if cents is None:
        raise ValidationError({field: _("Give an amount in yuan with at most two decimals.")})
    return cents


@login_required
@require_http_methods(["GET", "POST"])
def consents(request: HttpRequest, member_id: int) -> HttpResponse:
    """The branch records (or revokes) its consent to quarterly or proxy payment for a member."""
    from dangjian.core.models import User
    from dangjian.dues import ConsentKind
    from dangjian.dues.consent import do_grant_consent, do_revoke_consent
    from dangjian.dues.models import DuesConsent

    member = access_managed_member(request.user, member_id)
    if request.method == "POST":
        try:
            revoke = request.POST.get("revoke") or ""
            if revoke:
                consent = DuesConsent.objects.filter(member=member, pk=int(revoke)).first() if revoke.isdigit() else None
                if consent is None:
                    raise Http404(_("Not found."))
                do_revoke_consent(consent, acting_user=request.user)
            else:
                username = (request.POST.get("proxy") or "").strip()
                proxy = User.objects.filter(username=username, is_active=True).first() if username else None
                if username and proxy is None:
                    raise ValidationError({"proxy": _("No active account with this user name.")})
                do_grant_consent(member, kind=request.POST.get("kind", ""),
                                 from_month=parse_month(request.POST.get("from_month")),
                                 to_month=parse_month(request.POST.get("to_month")),
                                 reason=request.POST.get("reason", ""), proxy=proxy, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved."))
        return redirect("dues:consents", member.pk)
    return render(request, "dues/consents.html", {
        "member": member, "kinds": ConsentKind.choices, "this_month": current_month(),
        "consents": DuesConsent.objects.filter(member=member).select_related("proxy").order_by("-granted_at")[:50]})


# --- settling reconciliation mismatches (duesfx) ------------------------------------------------

WAITING_PAYMENT = (PaymentStatus.CREATED, PaymentStatus.PENDING)


def _settlement_context(request: HttpRequest, rec: Any, page: Any) -> dict[str, Any]:
    """Open mismatches in the user's scope, and the items whose waiting payment can be applied."""
    from dangjian.dues import MismatchKind

    return {"open_count": reconciliation_items(request.user, rec).filter(settled_at__isnull=True).count(),
            "applicable": {i.pk for i in page if i.kind == MismatchKind.MISSING_HERE and i.payment is not None
                           and i.payment.status in WAITING_PAYMENT and not i.settled}}


def _field_errors(exc: ValidationError) -> str:
    labels = {"note": _("How it was settled"), "item": _("Mismatch")}
    if hasattr(exc, "error_dict"):
        return " ".join(f"{labels.get(f, f)}: {m}" for f, msgs in exc.message_dict.items() for m in msgs)
    return " ".join(exc.messages)


# --- refunds and closed orders (refund notifications, "check the refund") -----------------------

def _latest_refund(payment: Any) -> Any:
    from dangjian.dues.models import DuesRefund

    return DuesRefund.objects.filter(payment=payment).order_by("-requested_at", "-pk").first()


@csrf_exempt
@require_POST
def notify_wechat_refund(request: HttpRequest) -> HttpResponse:
    """WeChat Pay's refund notification (``REFUND.*``, to the refund's notify URL; signed, no session)."""
    from dangjian.dues.refunds import do_handle_refund_notification

    body = request.body.decode("utf-8", errors="replace")
    return _wechat_answer(*do_handle_refund_notification("wechat", notification_headers(request.META), body))


@login_required
@require_POST
def settle_mismatch(request: HttpRequest, rec_id: int, item_id: int) -> HttpResponse:
    """A county-level dues manager marks one mismatch settled with what was done."""
    from dangjian.dues.reconcile import do_settle_mismatch

    rec = access_reconciliation(request.user, rec_id)
    item = access_reconciliation_item(request.user, rec, item_id)
    try:
        do_settle_mismatch(item, note=request.POST.get("note", ""), acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _field_errors(exc))
    else:
        messages.success(request, _("The mismatch is marked settled."))
    return redirect("dues:reconciliation", rec.pk)


@login_required
@require_POST
def apply_mismatch_payment(request: HttpRequest, rec_id: int, item_id: int) -> HttpResponse:
    """A "paid at the gateway, not recorded here" item with a waiting payment: ask the gateway through the
    payment sync action (which applies a success like a notification), then settle the item."""
    from dangjian.dues import MismatchKind
    from dangjian.dues.reconcile import county_path, do_settle_mismatch

    rec = access_reconciliation(request.user, rec_id)
    item = access_reconciliation_item(request.user, rec, item_id)
    if not in_scope(request.user, PERM_MANAGE, county_path()):
        raise PermissionDenied
    if item.kind != MismatchKind.MISSING_HERE or item.payment is None or item.payment.status not in WAITING_PAYMENT:
        messages.error(request, _("This mismatch has no waiting payment to apply."))
        return redirect("dues:reconciliation", rec.pk)
    payment = do_sync_payment(item.payment, acting_user=request.user)
    if payment.status != PaymentStatus.PAID:
        messages.error(request, _("The payment service does not report this payment as paid: nothing was applied."))
        return redirect("dues:reconciliation", rec.pk)
    note = (request.POST.get("note") or "").strip() or _("Applied the waiting payment (the payment service "
                                                          "confirmed it).")
    try:
        do_settle_mismatch(item, note=note, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _field_errors(exc))
    else:
        messages.success(request, _("The payment is applied and the mismatch settled."))
    return redirect("dues:reconciliation", rec.pk)


# --- exports of the public notice and hand-overs (duesfx) ---------------------------------------

EXPORTS = ("xlsx", "pdf")
EXPORT_MAX_ROWS = 10000


def _download(content: bytes, kind: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE if kind == "xlsx" else "application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


def _notice_export(request: HttpRequest, sheet: Any) -> HttpResponse:
    from dangjian.dues.excel import notice_workbook
    from dangjian.dues.pdf import notice_pdf

    kind = request.GET["export"]
    content = notice_workbook(sheet) if kind == "xlsx" else notice_pdf(sheet)
    return _download(content, kind, f"dues-notice-{sheet.year}")


def _handovers_export(request: HttpRequest, org: Any, listed: Any) -> HttpResponse:
    """Every hand-over of the list (not only the page), with the list's totals."""
    from dangjian.dues.excel import handovers_workbook
    from dangjian.dues.pdf import handovers_pdf

    kind = request.GET["export"]
    rows = list(listed[:EXPORT_MAX_ROWS])
    totals = handover_list_totals(listed)
    content = handovers_workbook(org.name, rows, totals) if kind == "xlsx" else handovers_pdf(org.name, rows, totals)
    return _download(content, kind, "dues-handovers")


# --- floating members hosted by a branch, on its ledger (duesfx) -------------------------------

def _hosted_guests(org: Any, month: Any) -> list[Any] | None:
    """A branch's floating guests with their month's bill (None for committees: no section)."""
    from dangjian.dues.selectors import hosted_guest_bills
    from dangjian.orgs import OrgKind

    if org.kind in (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE):
        return None
    return hosted_guest_bills(org, month)


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


# --- export of the per-member year ledger -------------------------------------------------------

#: One export holds at most this many members (a county's 50,000 are exported town by town).
MEMBER_YEAR_EXPORT_MAX = {"xlsx": 10000, "pdf": 2000}


def _member_year_export(request: HttpRequest, org: Any, year: int, listed: Any, totals: Any) -> HttpResponse:
    """Every member of the list with the year's 12 months and totals (the page's rows, all pages)."""
    from dangjian.dues.excel import member_year_workbook
    from dangjian.dues.pdf import member_year_pdf

    kind = request.GET["export"]
    if totals.members > MEMBER_YEAR_EXPORT_MAX[kind]:
        messages.error(request, _("%(n)d members are too many for one file (at most %(max)d): choose an "
                                  "organization further down.") % {"n": totals.members,
                                                                    "max": MEMBER_YEAR_EXPORT_MAX[kind]})
        return redirect(f"{reverse('dues:member_year')}?org={org.pk}&year={year}")
    rows = member_year_rows(request.user, org, year, list(listed))
    content = (member_year_workbook(org.name, year, rows, totals) if kind == "xlsx"
               else member_year_pdf(org.name, year, rows, totals))
    return _download(content, kind, f"dues-members-{year}")
