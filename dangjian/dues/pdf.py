"""The branch ledger as a printable A4 PDF (WeasyPrint; Noto CJK from the system fonts)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from dangjian.dues.selectors import Ledger


def ledger_html(ledger: Ledger) -> str:
    return render_to_string("dues/ledger_pdf.html", {"ledger": ledger, "printed": timezone.localdate()})


def ledger_pdf(ledger: Ledger) -> bytes:
    from weasyprint import HTML

    return HTML(string=ledger_html(ledger)).write_pdf()  # type: ignore[no-any-return]
