"""Reconciliation with the payment services' statements and settling its mismatches."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.scoping import in_scope
from dangjian.dues import PaymentStatus
from dangjian.dues.actions import PERM_MANAGE, do_sync_payment
from dangjian.dues.selectors import (
    access_reconciliation,
    access_reconciliation_item,
    reconciliation_items,
    reconciliations_for,
)
from dangjian.dues.views.common import PAGE_SIZE, _field_errors, _require_manager


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


WAITING_PAYMENT = (PaymentStatus.CREATED, PaymentStatus.PENDING)


def _settlement_context(request: HttpRequest, rec: Any, page: Any) -> dict[str, Any]:
    """Open mismatches in the user's scope, and the items whose waiting payment can be applied."""
    from dangjian.dues import MismatchKind

    return {"open_count": reconciliation_items(request.user, rec).filter(settled_at__isnull=True).count(),
            "applicable": {i.pk for i in page if i.kind == MismatchKind.MISSING_HERE and i.payment is not None
                           and i.payment.status in WAITING_PAYMENT and not i.settled}}


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
