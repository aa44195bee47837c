"""Printable credential slips: the code in groups and a QR code of the voting page with the code
in its fragment (``…/vote/#CODE``: a phone's camera opens the page, the browser never sends the
fragment to the server). Drawn in memory for the one answer that shows them; nothing is kept."""

from __future__ import annotations

import segno


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (allowed by the CSP's img-src; no inline style)."""
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


def slips(vote_url: str, codes: list[str]) -> list[dict[str, str]]:
    return [{"code": code, "qr": qr_data_uri(f"{vote_url}#{code}")} for code in codes]
