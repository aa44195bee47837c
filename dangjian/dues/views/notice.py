"""The public notice (党费公示): the member's published version and the branch's page."""

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

from dangjian.dues.calc import cents_to_yuan
from dangjian.dues.views.common import EXPORTS, _download, _org_and_month, _own_or_404, _require_manager, _year

MONTH_NUMBERS = list(range(1, 13))


@login_required
@require_GET
def notice(request: HttpRequest) -> HttpResponse:
    """The published yearly dues notice of the member's own branch."""
    from dangjian.dues.selectors import member_notice

    member = _own_or_404(request)
    published = member_notice(member, _year(request))
    if request.GET.get("export") in EXPORTS:  # the published version, as on the screen
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
    if request.GET.get("export") in EXPORTS:  # the live figures of the preview, as on the screen
        from dangjian.dues.collection import notice_sheet_live

        return _notice_export(request, notice_sheet_live(org, year, data, published))
    return render(request, "dues/notice.html", {
        "notice": published, "org": org, "rows": data.rows, "year": year, "data": data,
        "due_yuan": cents_to_yuan(data.due_cents), "paid_yuan": cents_to_yuan(data.paid_cents),
        "voluntary_yuan": cents_to_yuan(data.voluntary_cents), "month_numbers": MONTH_NUMBERS, "preview": True})


def _notice_export(request: HttpRequest, sheet: Any) -> HttpResponse:
    from dangjian.dues.excel import notice_workbook
    from dangjian.dues.pdf import notice_pdf

    kind = request.GET["export"]
    content = notice_workbook(sheet) if kind == "xlsx" else notice_pdf(sheet)
    return _download(content, kind, f"dues-notice-{sheet.year}")
