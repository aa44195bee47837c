"""Hand-overs (上缴) of collected dues to the committee above."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dangjian.core.scoping import in_scope
from dangjian.dues import HandoverStatus
from dangjian.dues.actions import PERM_MANAGE
from dangjian.dues.billing import add_months, current_month, parse_month
from dangjian.dues.calc import cents_to_yuan
from dangjian.dues.selectors import handover_list_totals, managed_orgs
from dangjian.dues.views.common import EXPORT_MAX_ROWS, EXPORTS, PAGE_SIZE, _download, _org_and_month, _require_manager


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
    if request.GET.get("export") in EXPORTS:
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


def _handovers_export(request: HttpRequest, org: Any, listed: Any) -> HttpResponse:
    """Every hand-over of the list (not only the page), with the list's totals."""
    from dangjian.dues.excel import handovers_workbook
    from dangjian.dues.pdf import handovers_pdf

    kind = request.GET["export"]
    rows = list(listed[:EXPORT_MAX_ROWS])
    totals = handover_list_totals(listed)
    content = handovers_workbook(org.name, rows, totals) if kind == "xlsx" else handovers_pdf(org.name, rows, totals)
    return _download(content, kind, "dues-handovers")
