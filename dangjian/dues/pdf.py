"""The branch ledger as a printable A4 PDF (WeasyPrint; Noto CJK from the system fonts)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from dangjian.dues.selectors import Ledger


def ledger_html(ledger: Ledger, guests: list[Any] | None = None) -> str:
    return render_to_string("dues/ledger_pdf.html", {
        "ledger": ledger, "printed": timezone.localdate(),
        "guests": [g.export_cells() for g in guests or []]})


def ledger_pdf(ledger: Ledger, guests: list[Any] | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=ledger_html(ledger, guests)).write_pdf()  # type: ignore[no-any-return]


# --- public notice and hand-overs -------------------------------------------------------

def _pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf()  # type: ignore[no-any-return]


def notice_html(sheet: Any) -> str:
    rows = [{"name": r["name"], "marks": sheet.marks(r), "paid_yuan": r["paid_yuan"]} for r in sheet.rows]
    return render_to_string("dues/notice_pdf.html", {"sheet": sheet, "rows": rows, "printed": timezone.localdate(),
                                                     "month_numbers": range(1, 13)})


def notice_pdf(sheet: Any) -> bytes:
    return _pdf(notice_html(sheet))


def handovers_html(org_name: str, rows: Any, totals: Any) -> str:
    return render_to_string("dues/handovers_pdf.html", {"org_name": org_name, "rows": rows, "totals": totals,
                                                        "printed": timezone.localdate()})


def handovers_pdf(org_name: str, rows: Any, totals: Any) -> bytes:
    return _pdf(handovers_html(org_name, rows, totals))


# --- per-member year ledger ----------------------------------------------------------------------

def member_year_html(org_name: str, year: int, rows: list[dict[str, Any]], totals: Any) -> str:
    from dangjian.dues.excel import _month_mark

    lines = [{"name": r["member"].person.name, "marks": [_month_mark(b) for b in r["months"]],
              "due_yuan": r["due_yuan"], "paid_yuan": r["paid_yuan"]} for r in rows]
    return render_to_string("dues/member_year_pdf.html", {
        "org_name": org_name, "year": year, "rows": lines, "totals": totals, "printed": timezone.localdate(),
        "month_numbers": range(1, 13)})


def member_year_pdf(org_name: str, year: int, rows: list[dict[str, Any]], totals: Any) -> bytes:
    return _pdf(member_year_html(org_name, year, rows, totals))
