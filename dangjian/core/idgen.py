"""Generate valid (fictional) ID-card numbers for demo data and tests."""

from __future__ import annotations

import datetime as dt

from dangjian.core.validators import id_number_check_digit


def make_id_number(region: str, birth: dt.date, seq: int, *, male: bool = True) -> str:
    """``region`` is a 6-digit area code; ``seq`` picks the order code (sex from its parity)."""
    order = (seq * 2 + (1 if male else 0)) % 1000
    if male and order % 2 == 0:
        order = (order + 1) % 1000
    if not male and order % 2 == 1:
        order = (order + 1) % 1000
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + id_number_check_digit(first17)
