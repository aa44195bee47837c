"""The branch ledger, dues per member for a year, and generating the month's bills."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core.spreadsheets import xlsx_response
from dangjian.dues.actions import do_generate_bills
from dangjian.dues.billing import add_months, current_month
from dangjian.dues.excel import ledger_workbook
from dangjian.dues.models import Payment
from dangjian.dues.pdf import ledger_pdf
from dangjian.dues.selectors import (
    branch_month_ledger,
    handover_totals,
    ledger_members,
    managed_orgs,
    member_year_rows,
    member_year_totals,
    payments_for,
)
from dangjian.dues.views.common import EXPORTS, PAGE_SIZE, _download, _org_and_month, _require_manager


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
        "guests": _hosted_guests(org, month),
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


def _hosted_guests(org: Any, month: Any) -> list[Any] | None:
    """A branch's floating guests with their month's bill (None for committees: no section)."""
    from dangjian.dues.selectors import hosted_guest_bills
    from dangjian.orgs import OrgKind

    if org.kind in (OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE):
        return None
    return hosted_guest_bills(org, month)


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
