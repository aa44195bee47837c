"""The leaders' briefing as an A4 PDF (WeasyPrint; Noto CJK from the system fonts)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from dangjian.insight.models import Briefing


def briefing_html(briefing: Briefing) -> str:
    return render_to_string("insight/briefing_pdf.html", {"briefing": briefing, "printed": timezone.localdate()})


def briefing_pdf(briefing: Briefing) -> bytes:
    from weasyprint import HTML

    return HTML(string=briefing_html(briefing)).write_pdf()  # type: ignore[no-any-return]
