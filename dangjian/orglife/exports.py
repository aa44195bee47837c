"""The ledger export (Excel): one row per closed activity, straight from the records."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from dangjian.core.sanitize import html_to_text
from dangjian.orglife import ActivityKind


def ledger_workbook(org: Any, year: int, rows: list[Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = str(year)
    ws.append([_("%(org)s: organizational life ledger %(year)d") % {"org": org.name, "year": year}])
    ws["A1"].font = Font(bold=True, size=14)
    header = [_("Date"), _("Kind"), _("Topic"), _("Place"), _("Chair"), _("Minute-taker"), _("Expected"),
              _("Present (full)"), _("Present (probationary)"), _("Present (guests)"), _("On leave"), _("Absent"),
              _("Minutes"), _("Lecturer")]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for a in rows:
        ws.append([
            timezone.localtime(a.starts_at).strftime("%Y-%m-%d %H:%M"), str(ActivityKind(a.kind).label), a.topic,
            a.place or a.online_link, a.chair, a.minute_taker, a.expected_count, a.present_full,
            a.present_probationary, a.present_guests, a.leave_count, a.absent_count, html_to_text(a.minutes)[:32000],
            a.lecturer.person.name if a.lecturer_id else "",
        ])
    for col, width in zip("ABCDEFGHIJKLMN", (17, 16, 30, 20, 10, 10, 8, 8, 8, 8, 8, 8, 60, 10), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=3, min_col=13, max_col=13):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ledger_pdf(org: Any, year: int, rows: list[Any]) -> bytes:
    """The same ledger as a printable A4 PDF (WeasyPrint, Noto CJK from the system fonts)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("orglife/ledger_pdf.html", {"org": org, "year": year, "rows": rows,
                                                        "printed": timezone.localdate()})
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
