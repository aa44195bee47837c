"""The ledger export (Excel): one row per closed activity, straight from the records."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dangjian.core import spreadsheets
from dangjian.core.sanitize import html_to_text
from dangjian.orglife import ActivityKind


@spreadsheets.export("orglife.ledger")
def ledger_workbook(org: Any, year: int, rows: list[Any]) -> bytes:
    book = spreadsheets.Book()
    sheet = book.sheet(str(year))
    sheet.title([_("%(org)s: organizational life ledger %(year)d") % {"org": org.name, "year": year}])
    sheet.header([_("Date"), pgettext("activity", "Kind"), _("Topic"), _("Place"), _("Chair"), _("Minute-taker"), _("Expected"),
                  _("Present (full)"), _("Present (probationary)"), _("Present (guests)"), _("On leave"),
                  _("Absent"), _("Minutes"), _("Lecturer")])
    for a in rows:
        sheet.append([
            timezone.localtime(a.starts_at).strftime("%Y-%m-%d %H:%M"), str(ActivityKind(a.kind).label), a.topic,
            a.place or a.online_link, a.chair, a.minute_taker, a.expected_count, a.present_full,
            a.present_probationary, a.present_guests, a.leave_count, a.absent_count, html_to_text(a.minutes)[:32000],
            a.lecturer.person.name if a.lecturer_id else "",
        ])
    sheet.widths((17, 16, 30, 20, 10, 10, 8, 8, 8, 8, 8, 8, 60, 10))
    sheet.wrap(13, first_row=3)
    return book.to_bytes()


def ledger_pdf(org: Any, year: int, rows: list[Any]) -> bytes:
    """The same ledger as a printable A4 PDF (WeasyPrint, Noto CJK from the system fonts)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("orglife/ledger_pdf.html", {"org": org, "year": year, "rows": rows,
                                                        "printed": timezone.localdate()})
    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]
