"""Arrears (欠缴): the list and the decisions on them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dangjian.dues import ArrearsLevel, ArrearsStatus
from dangjian.dues.arrears import do_decide_arrears
from dangjian.dues.selectors import access_arrears, arrears_for
from dangjian.dues.views.common import PAGE_SIZE, _org_and_month, _require_manager


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
