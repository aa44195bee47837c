"""The printable introduction letter (PDF through WeasyPrint): stub, main part and receipt, each
with the letter number; the main part carries a QR code (segno) pointing at the public
verification page. CJK text uses the Noto CJK fonts from Debian's fonts-noto-cjk."""

from __future__ import annotations

import segno
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse

from dangjian.members.transfers.models import Transfer


def verify_url(transfer: Transfer, request: HttpRequest | None = None) -> str:
    path = reverse("transfers:verify", args=[transfer.verify_token])
    return request.build_absolute_uri(path) if request is not None else path


def qr_data_uri(text: str) -> str:
    return str(segno.make(text, error="m").svg_data_uri(scale=3, border=1))


def letter_html(transfer: Transfer, request: HttpRequest | None = None) -> str:
    url = verify_url(transfer, request)
    return render_to_string("transfers/letter_pdf.html", {
        "t": transfer, "verify_url": url, "qr": qr_data_uri(url),
    })


def render_letter_pdf(transfer: Transfer, request: HttpRequest | None = None) -> bytes:
    from weasyprint import HTML

    base = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=letter_html(transfer, request), base_url=base).write_pdf()
