"""Browser: a committee (the town's organizer) opens its year-end tables, exports them to Excel,
and every cell of the workbook equals the cell on the screen."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from dangjian.stats import tables as T
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _screen_text(value: Any) -> str:
    """How a workbook cell reads on the screen."""
    return "" if value is None else str(value)


def test_a_committee_exports_the_year_end_tables_and_the_workbook_equals_the_screen(
        browser_page: Any, live_server: Any, county: Any, users: Any) -> None:
    page = browser_page
    login(page, live_server.url, users.organizer.username, PASSWORD)
    page.goto(f"{live_server.url}/stats/tables/?org={county.town_a.pk}&date=2025-12-31")
    screen = dict(page.eval_on_selector_all(
        "td[data-cell]", "els => els.map(e => [e.dataset.cell, e.innerText.trim()])"))
    assert screen["members_basic.total.all"] == "4"
    assert len(screen) == sum(len(t.rows) * len(t.columns) for t in T.TABLES)
    with page.expect_download() as info:
        page.click("#export-xlsx")
    workbook = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    compared = 0
    for ws, table in zip(workbook.worksheets, T.TABLES, strict=False):
        for i, row in enumerate(table.rows):
            values = next(ws.iter_rows(min_row=4 + i, max_row=4 + i, values_only=True))
            assert values[0].strip() == page.inner_text(f"#row-{table.key}-{row.key} th").strip()
            for j, column in enumerate(table.columns):
                assert _screen_text(values[1 + j]) == screen[f"{table.key}.{row.key}.{column.key}"], \
                    (table.key, row.key, column.key)
                compared += 1
    assert compared == len(screen)
