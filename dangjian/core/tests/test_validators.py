"""``core.validators`` helpers not covered elsewhere."""

from __future__ import annotations


def test_as_date_takes_a_date_or_an_iso_string_and_nothing_else():
    import datetime as dt

    from dangjian.core.validators import as_date

    assert as_date(dt.date(2026, 12, 7)) == dt.date(2026, 12, 7)
    assert as_date(" 2026-12-07 ") == dt.date(2026, 12, 7)
    for bad in ("2026-13-01", "7/12/2026", "", None, 20261207, dt.datetime(2026, 12, 7, 10, 0)):
        assert as_date(bad) is None, bad
