"""Dues bases: the list, reviewing a reported base, importing bases from a workbook."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.spreadsheets import xlsx_response
from dangjian.dues import BaseStatus
from dangjian.dues.actions import do_import_bases, do_review_base
from dangjian.dues.billing import current_month
from dangjian.dues.excel import bases_template, check_bases_file
from dangjian.dues.forms import ImportForm, ReviewForm
from dangjian.dues.selectors import access_base, bases_for
from dangjian.dues.views.common import PAGE_SIZE, _org_and_month, _require_manager


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
