"""On PostgreSQL the handler's list is one range of ``reports_list_idx``: a subtree is
``org_path LIKE 'p%'``, which a plain text index serves only under the C collation, so the index
carries ``varchar_pattern_ops`` (bench/module_reports.py: at 100,000 reports the count and the
page went from a parallel scan of the whole table to index-only scans, 190 → 50 ms in one process;
a page is read in order from ``reports_order_idx``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from dangjian.reports.selectors import reports_for
from dangjian.reports.tests.conftest import submit

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="PostgreSQL's operator classes; SQLite's subtree is a plain range")


def test_a_town_officers_list_and_count_are_an_index_range(staff: Any, tree: Any) -> None:
    for _ in range(3):
        submit()
    qs = reports_for(staff.town, open_only=True)
    with connection.cursor() as cur:
        # the test's table is tiny: make the planner say whether the index *can* serve the query
        cur.execute("SET LOCAL enable_seqscan = off")
    page, count = qs.values_list("id", flat=True)[:50].explain(), qs.values("id").order_by().explain()
    for text in (page, count):
        assert "Seq Scan on reports_report" not in text, text
    # the subtree is a range of the list index (its org_path carries varchar_pattern_ops)
    assert "reports_list_idx" in count and "Index Cond: ((org_path ~>=~" in count, count
