"""The dashboard's charts as worksheets of the hot spots' workbook (``excel.topics_workbook``):
one sheet per chart with the numbers drawn, written through ``core.spreadsheets`` (labels that
look like formulas are stored as text)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dangjian.core import spreadsheets


def _weekly(book: spreadsheets.Book, title: str, block: dict[str, Any]) -> None:
    sheet = book.sheet(title)
    sheet.header([_("Week of"), *[s["label"] for s in block["series"]], _("Total")])
    for i, week in enumerate(block["weeks"]):
        cells = [s["data"][i] for s in block["series"]]
        sheet.append([week, *cells, sum(cells)])


def add_chart_sheets(book: spreadsheets.Book, data: dict[str, Any]) -> None:
    """Sheets for the hot spots per week, the place × topic heat map, the texts per week by
    category, by place and by sentiment, and department timeliness (``charts.dashboard_data``)."""
    if data.get("empty"):
        return
    sheet = book.sheet(_("Hot spots per week"))
    sheet.header([pgettext("hot spot", "Topic"), _("Texts"), *data["weeks"]])
    for t in data["hot"]:
        sheet.append([t["label"], t["size"], *t["weekly"]])
    heat = data["heat"]
    sheet = book.sheet(_("Places × topics"))
    sheet.title([heat["node"]["name"]])
    sheet.header([_("Organization"), *[c["label"] for c in heat["columns"]]])
    grid = {(c[1], c[0]): c[2] for c in heat["cells"]}
    for i, r in enumerate(heat["rows"]):
        sheet.append([r["name"], *[grid.get((i, j), 0) for j in range(len(heat["columns"]))]])
    _weekly(book, _("By category"), data["category"])
    _weekly(book, _("By place"), data["place"])
    _weekly(book, _("By sentiment"), data["sentiment"])
    timeliness = data.get("timeliness")
    if timeliness and timeliness["rows"]:
        sheet = book.sheet(_("Department timeliness"))
        sheet.title([_("As of %(date)s") % {"date": timeliness["as_of"]}])
        sheet.header([_("Organization"), _("Answered on time (%)"), _("Answered late")])
        for r in timeliness["rows"]:
            sheet.append([r["name"], r["on_time_rate"], r["late"]])
