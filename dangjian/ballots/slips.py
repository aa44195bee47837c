"""Printable credential slips: the code in groups and a QR code of the voting page with the code
in its fragment (``…/vote/#CODE``: a phone's camera opens the page, the browser never sends the
fragment to the server), and the slip's printed number (its serial, by which a lost slip is
revoked; the cast never sends it). Drawn in memory for the one answer that shows them; nothing is
kept."""

from __future__ import annotations

from typing import Any

import segno


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a data: URI (allowed by the CSP's img-src; no inline style)."""
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


def slips(vote_url: str, codes: list[str], serials: list[int | None] | None = None) -> list[dict[str, Any]]:
    """One slip per code; the n-th code's slip is numbered n (``Credential.serial``) unless
    ``serials`` says otherwise (a reissued slip keeps its number)."""
    numbers = serials if serials is not None else list(range(1, len(codes) + 1))
    width = max(3, len(str(max((n or 0 for n in numbers), default=0))))
    return [{"code": code, "qr": qr_data_uri(f"{vote_url}#{code}"), "serial": f"{n:0{width}d}" if n else ""}
            for code, n in zip(codes, numbers, strict=True)]
