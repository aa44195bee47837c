"""Checks that a page, an export or an API answer does not let a reader rebuild a masked
ID-card number (issue 13 §4)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

#: Hidden digits outside the birth date (region, sequence) that a masked number must keep: with
#: the birth date known, 10**5 / 11 ≈ 9,000 candidates pass the check digit.
MIN_HIDDEN_DIGITS = 5


def hidden_digits_outside_birth_date(masked: str) -> int:
    """How many region and sequence digits (positions 1–6 and 15–17 of 18) ``masked`` hides."""
    assert len(masked) == 18, masked
    return sum(1 for i, ch in enumerate(masked[:17]) if ch == "*" and not 6 <= i < 14)


def birth_date_forms(birth: dt.date) -> list[str]:
    """The ways a birth date may be written on a page or in a cell."""
    return [birth.isoformat(), birth.strftime("%Y%m%d"), birth.strftime("%Y/%m/%d"),
            f"{birth.year}年{birth.month}月{birth.day}日", birth.strftime("%Y-%m"), f"{birth.year}年{birth.month}月"]


def assert_cannot_rebuild(full_id: str, masked: str, shown: Iterable[Any]) -> None:
    """The masked number hides enough, and nothing shown beside it gives the birth date."""
    assert masked and masked != full_id
    assert hidden_digits_outside_birth_date(masked) >= MIN_HIDDEN_DIGITS, masked
    birth = dt.date(int(full_id[6:10]), int(full_id[10:12]), int(full_id[12:14]))
    for value in shown:
        assert value != birth, value
        text = str(value)
        assert full_id not in text
        for form in birth_date_forms(birth):
            assert form not in text, (form, text)
