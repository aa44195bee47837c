"""Helpers shared by the dues screens: the manager check, the organization and month or year asked
for, downloads."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from dangjian.core.scoping import has_any
from dangjian.core.spreadsheets import XLSX_CONTENT_TYPE
from dangjian.dues.actions import PERM_MANAGE
from dangjian.dues.billing import current_month, parse_month
from dangjian.dues.selectors import access_ledger_org, managed_orgs, own_member

PAGE_SIZE = 25


def _own_or_404(request: HttpRequest) -> Any:
    member = own_member(request.user)
    if member is None:
        raise Http404(_("Not found."))
    return member


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


def _year(request: HttpRequest) -> int | None:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        return None
    return year if 2000 <= year <= 2100 else None


def _field_errors(exc: ValidationError) -> str:
    labels = {"note": _("How it was settled"), "item": _("Mismatch")}
    if hasattr(exc, "error_dict"):
        return " ".join(f"{labels.get(f, f)}: {m}" for f, msgs in exc.message_dict.items() for m in msgs)
    return " ".join(exc.messages)


def _latest_refund(payment: Any) -> Any:
    from dangjian.dues.models import DuesRefund

    return DuesRefund.objects.filter(payment=payment).order_by("-requested_at", "-pk").first()


EXPORTS = ("xlsx", "pdf")


EXPORT_MAX_ROWS = 10000


def _download(content: bytes, kind: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE if kind == "xlsx" else "application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response
