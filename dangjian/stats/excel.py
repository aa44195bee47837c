"""The statistics workbooks, written through ``core.spreadsheets`` (one writer, formula guard):
the year-end tables in their layout (one sheet per table, then the reconciliation) and the
statistics page's figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from dangjian.core import spreadsheets
from dangjian.stats import tables as T

#: What an unavailable cell (its module is not installed) shows; a cell that does not apply is empty.
UNAVAILABLE = "—"


def number(value: Any) -> Any:
    """A cell's number as Excel keeps it (an int, or a float for a rate or an amount)."""
    return T.jsonable(value)


def cell_value(cell: T.Cell) -> Any:
    if cell.ref is None:
        return None
    if not cell.available:
        return UNAVAILABLE
    return number(cell.value)


def sheet_title(table: T.StatTable) -> str:
    return _("Table %(n)d %(title)s") % {"n": table.number, "title": table.title}


@spreadsheets.export("stats.tables")
def tables_workbook(org_name: str, result: T.TableSet) -> bytes:
    """One sheet per table: its title; the organization, the date and the unit; the column headers;
    then one row per table row (label, then the cells as numbers). The last sheet lists the checks."""
    book = spreadsheets.Book()
    for table_result in result.tables:
        table = table_result.table
        sheet = book.sheet(sheet_title(table))
        sheet.title([sheet_title(table)])
        sheet.append([_("Organization"), org_name, _("As of"), result.as_of, _("Unit"), str(table.unit)], fit=False)
        sheet.header(["", *[str(c.label) for c in table.columns]])
        for row in table_result.cells:
            line = row[0].row
            sheet.append(["    " * line.indent + str(line.label), *[cell_value(c) for c in row]])
        if table.note:
            sheet.append([str(table.note)], fit=False)
    sheet = book.sheet(_("Cross-checks"))
    sheet.title([_("Cross-checks")])
    sheet.append([_("Organization"), org_name, _("As of"), result.as_of], fit=False)
    sheet.header([_("Check"), _("Left side"), _("Right side"), _("Difference"), _("Result"), _("Why")])
    labels = {"ok": _("Reconciles"), "failed": _("Does not reconcile"), "unavailable": _("Cannot be checked")}
    for check in result.checks:
        sheet.append([str(check.check.label), number(check.left.total), number(check.right.total),
                      number(check.difference), labels[check.status],
                      "; ".join(str(r["text"]) for r in check.reasons)])
    return book.to_bytes()


@spreadsheets.export("stats.figures")
def figures_workbook(org_name: str, dates: Sequence[dt.date], groups: Sequence[dict[str, Any]]) -> bytes:
    """The statistics page: one row per figure, its value at each date."""
    book = spreadsheets.Book()
    sheet = book.sheet(_("Statistics"))
    sheet.title([_("Statistics"), org_name])
    sheet.header([_("Module"), _("Figure"), _("Unit"), *[d.isoformat() for d in dates]])
    for group in groups:
        for row in group["rows"]:
            sheet.append([str(group["label"]), str(row["figure"].label), str(row["figure"].unit),
                          *[number(v["value"]) if v["available"] else UNAVAILABLE for v in row["values"]]])
    return book.to_bytes()
