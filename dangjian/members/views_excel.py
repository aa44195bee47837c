"""Excel template, import and export of members (thin views: parse → selector → action → render)."""

from __future__ import annotations

import re
import tempfile
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from dangjian.core import crypto, validators
from dangjian.core.scoping import has_any
from dangjian.core.spreadsheets import XLSX_CONTENT_TYPE, xlsx_response
from dangjian.members import MemberCategory, MemberStatus, excel
from dangjian.members.import_actions import do_export_members, do_import_members
from dangjian.members.selectors import filter_members, members_for
from dangjian.orgs.selectors import access_org, org_choices

#: At most this many row errors are listed on the page (the total is always shown).
MAX_ERRORS_SHOWN = 500
#: A run of digits long enough to be (part of) an ID-card or phone number, spaces and hyphens
#: allowed between the digits since the search ignores them.
_DIGITS = re.compile(r"\d(?:[\s\-()]*\d){6,}[xX]?")


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel file (.xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an Excel workbook saved as .xlsx."))
        if upload.size > excel.MAX_UPLOAD_BYTES:
            raise ValidationError(
                _("The file is larger than %(mb)d MB; split it into smaller files.")
                % {"mb": excel.MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


def _require_any(user: Any, perm: str) -> None:
    if not has_any(user, perm):
        raise PermissionDenied(_("Your role does not allow this."))


@login_required
@require_GET
def template(request: HttpRequest) -> HttpResponse:
    _require_any(request.user, "members.import")
    names = [name for _pk, name in org_choices(request.user, "members.import")]
    return xlsx_response(excel.template_bytes(names), "members-import-template.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def import_members(request: HttpRequest) -> HttpResponse:
    _require_any(request.user, "members.import")
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "max_rows": settings.DANGJIAN["MEMBERS_IMPORT_MAX_ROWS"],
                               "max_mb": excel.MAX_UPLOAD_BYTES // (1024 * 1024)}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check = excel.check_file(upload, user=request.user, max_rows=context["max_rows"])
        except excel.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if check.errors:
                context |= {
                    "errors": check.errors[:MAX_ERRORS_SHOWN], "error_count": len(check.errors),
                    "bad_rows": len({e.row for e in check.errors}), "total_rows": check.total_rows,
                    "filename": upload.name,
                }
            elif not check.rows:
                form.add_error("file", _("The file has no member rows."))
            else:
                try:
                    summary = do_import_members(check.rows, acting_user=request.user, filename=upload.name)
                except ValidationError as exc:
                    form.add_error(None, exc.messages[0] if exc.messages else str(exc))
                else:
                    return render(request, "members/excel_import_result.html",
                                  {"summary": summary, "filename": upload.name})
    return render(request, "members/excel_import.html", context)


def _safe_q(q: str) -> str:
    """The search text for the audit record, never a full ID-card or phone number.

    The query is first read the way ``members.selectors.search`` reads it (spaces ignored,
    +86 dropped): a full ID-card number or phone number is recorded in its masked form only.
    In any other text each run of 7 or more digits (spaces, hyphens and brackets between them
    ignored) is masked.
    """
    q = q.strip()
    id_candidate = validators.normalize_id_number(q)
    if len(id_candidate) == 18:
        return crypto.mask_id_number(id_candidate)
    phone = validators.normalize_phone(q)
    if validators.PHONE_RE.match(phone):
        return crypto.mask_phone(phone)
    return _DIGITS.sub(lambda m: crypto.mask_id_number(re.sub(r"[\s\-()]", "", m.group())), q)


@login_required
@require_GET
def export(request: HttpRequest) -> FileResponse:
    _require_any(request.user, "members.export")
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status == "current" or status in MemberStatus.values else ""
    category = request.GET.get("category", "")
    category = category if category in MemberCategory.values else ""
    org_id = request.GET.get("org", "")
    org = access_org(request.user, org_id, perm="members.export") if org_id else None
    qs = filter_members(members_for(request.user, "members.export"), user=request.user,
                        org_path=org.path if org else None, status=status or None,
                        category=category or None, q=q)
    filters = {"q": _safe_q(q), "status": status, "category": category,
               "org": org.pk if org else None, "org_path": org.path if org else ""}
    fileobj = tempfile.TemporaryFile()  # noqa: SIM115 - closed by FileResponse
    do_export_members(qs, fileobj, acting_user=request.user, filters=filters)
    fileobj.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(fileobj, as_attachment=True, filename=f"members-{stamp}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)
