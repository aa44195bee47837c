"""Writing spreadsheets (.xlsx): the one module that puts values into cells (issue 13 §2).

Every workbook the product hands out is written through a :class:`Book` inside a function
registered with :func:`export`, so every export gets the same:

- **formula-injection guard** (:func:`write_cell`): text that Excel or WPS would run as a
  formula — starting with ``=``, ``+``, ``-``, ``@``, a tab or a line break, or their full-width
  forms ``＝ ＋ － ＠`` that a Chinese input method types — is stored as text (never as a formula)
  with Excel's quote prefix, so that it stays text when the cell is edited. The value itself is
  unchanged: it reads back as the user's text and an exported file imports as it was. Numbers
  and dates stay numbers and dates.
- **column widths** that count a CJK character as two columns (:func:`display_width`);
- **header style** (bold on a light fill) and title style;
- the workbook as bytes (:meth:`Book.to_bytes`) or an HTTP download (:func:`xlsx_response`).

``EXPORTS`` lists the registered exports; a test writes hostile text into every text field of
each of them and finds no formula cell.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import unicodedata
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import IO, Any, ParamSpec, TypeVar

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Text starting with one of these is a formula ("=") or may turn into one when the cell is
#: edited in Excel or WPS (OWASP "CSV injection"); a Chinese input method types the full-width
#: forms, which Excel takes as the ASCII ones when the cell is entered.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
#: The most characters Excel keeps in a cell.
MAX_CELL_TEXT = 32767
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FCE4D6")
TITLE_FONT = Font(bold=True, size=14)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
#: Bounds of a fitted column's width (in Excel's character units).
MIN_WIDTH, MAX_WIDTH = 6, 60

#: Registered exports: name → the function that writes it (``module.qualname``).
EXPORTS: dict[str, str] = {}
_current_export: ContextVar[str | None] = ContextVar("spreadsheet_export", default=None)

P = ParamSpec("P")
R = TypeVar("R")


def export(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register the function that writes the export ``name``; a :class:`Book` may only be made
    while such a function runs, so no export escapes the registry (and its hostile-text test)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        where = f"{func.__module__}.{func.__qualname__}"
        if EXPORTS.setdefault(name, where) != where:
            raise ValueError(f"Export {name!r} is already registered by {EXPORTS[name]}")

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            token = _current_export.set(name)
            try:
                return func(*args, **kwargs)
            finally:
                _current_export.reset(token)

        return wrapper

    return decorate


# --- Cells -----------------------------------------------------------------------------------


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def clean_value(value: Any) -> Any:
    """What a cell may hold: text without the control characters a workbook cannot carry (and
    cut to Excel's cell limit); an aware date-time in local time (Excel has no time zones)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        return value[:MAX_CELL_TEXT]
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def write_cell(cell: Any, value: Any) -> Any:
    """Put ``value`` into ``cell`` (a worksheet cell or a write-only cell) and return the cell.

    The guard against formula injection for every file we write: text that looks like a formula
    is stored as text, never as a formula, and carries Excel's quote prefix so that editing the
    cell in Excel or WPS keeps it text. The text itself is unchanged.
    """
    value = clean_value(value)
    cell.value = value  # openpyxl makes any text starting with "=" a formula here …
    if looks_like_formula(value):
        cell.data_type = "s"  # … so it is turned back into text
        cell.quotePrefix = True
    return cell


def display_width(value: Any) -> int:
    """Columns the value takes on screen: two for a wide (CJK) character, one for others; the
    longest line of a multi-line text."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if isinstance(value, float):
        value = f"{value:.2f}"
    lines = str(value).splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)


# --- Sheets and books ------------------------------------------------------------------------


class Sheet:
    """One worksheet; every value written goes through :func:`write_cell`.

    Rows are appended (``append``, ``header``, ``title``) or cells written at a place
    (``write``, normal books only). Columns without a width set by ``widths`` are fitted to
    their contents when the book is saved (normal books; a write-only book must set widths
    before its first row, so it sets them from the header).
    """

    def __init__(self, ws: Any, *, write_only: bool) -> None:
        self.ws = ws
        self.write_only = write_only
        self._fixed: set[int] = set()
        self._fit: dict[int, int] = {}

    # cells

    def cell(self, value: Any, *, font: Font | None = None, fill: PatternFill | None = None,
             alignment: Alignment | None = None, number_format: str | None = None) -> Any:
        """A styled cell to put in a row given to :meth:`append`."""
        cell = WriteOnlyCell(self.ws) if self.write_only else Cell(self.ws)
        write_cell(cell, value)
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if alignment is not None:
            cell.alignment = alignment
        if number_format is not None:
            cell.number_format = number_format
        return cell

    def _guarded(self, value: Any) -> Any:
        if isinstance(value, Cell):
            return value
        value = clean_value(value)
        if looks_like_formula(value):
            return self.cell(value)
        if isinstance(value, dt.datetime):
            return self.cell(value, number_format=DATETIME_FORMAT)
        return value

    def append(self, values: Iterable[Any], *, fit: bool = True) -> None:
        """Append a row of plain values (text, numbers, dates, None) or cells from :meth:`cell`.
        ``fit=False``: the row does not count when fitting column widths (a long title)."""
        row = [self._guarded(v) for v in values]
        if fit and not self.write_only:
            for i, v in enumerate(row, start=1):
                width = display_width(v.value if isinstance(v, Cell) else v)
                if width > self._fit.get(i, 0):
                    self._fit[i] = width
        self.ws.append(row)

    def header(self, labels: Iterable[Any], *, font: Font = HEADER_FONT) -> None:
        """The column headers, in the house style."""
        self.append([self.cell(label, font=font, fill=HEADER_FILL) for label in labels])

    def title(self, values: Iterable[Any]) -> None:
        """A title row above the headers (large bold first cell; not counted for widths)."""
        values = list(values)
        self.append([self.cell(values[0], font=TITLE_FONT), *values[1:]] if values else [], fit=False)

    def write(self, row: int, column: int, value: Any, *, font: Font | None = None) -> Any:
        """Write one cell at (row, column) of a normal (not write-only) sheet."""
        cell = write_cell(self.ws.cell(row=row, column=column), value)
        if font is not None:
            cell.font = font
        width = display_width(cell.value)
        if width > self._fit.get(column, 0):
            self._fit[column] = width
        return cell

    # columns

    def widths(self, widths: Iterable[float | None]) -> None:
        """Set the widths of the first columns, in order (None: fitted to the contents)."""
        for i, width in enumerate(widths, start=1):
            if width is not None:
                self.ws.column_dimensions[get_column_letter(i)].width = width
                self._fixed.add(i)

    def number_format(self, columns: Iterable[str], number_format: str, *, first_row: int) -> None:
        """Give the cells of ``columns`` (letters), from ``first_row`` down, a number format."""
        for letter in columns:
            for cell in self.ws[letter][first_row - 1:]:
                cell.number_format = number_format

    def wrap(self, column: int, *, first_row: int) -> None:
        """Wrap the text of a column's cells (from ``first_row``), aligned to the top."""
        for row in self.ws.iter_rows(min_row=first_row, min_col=column, max_col=column):
            for cell in row:
                cell.alignment = WRAP_TOP

    def _fit_columns(self) -> None:
        if self.write_only:
            return
        for i, width in self._fit.items():
            if i not in self._fixed and width:
                self.ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))


class Book:
    """A workbook being written by a registered export (see :func:`export`).

    ``write_only`` streams rows to the file (for big exports): cells cannot be revisited, and
    column widths and panes must be set before the first row.
    """

    def __init__(self, *, write_only: bool = False) -> None:
        self.export = _current_export.get()
        if self.export is None:
            raise RuntimeError("A workbook is written outside a registered export (core.spreadsheets.export).")
        self.write_only = write_only
        self.wb = Workbook(write_only=write_only)
        self.sheets: list[Sheet] = []

    def sheet(self, title: str) -> Sheet:
        """Add a sheet (the first one replaces the default sheet); the title is cut to Excel's
        31 characters, without the characters Excel refuses in sheet names."""
        title = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()[:31] or "Sheet"
        if not self.write_only and not self.sheets:
            ws = self.wb.active
            ws.title = title
        else:
            ws = self.wb.create_sheet(title)
        sheet = Sheet(ws, write_only=self.write_only)
        self.sheets.append(sheet)
        return sheet

    def save(self, fileobj: IO[bytes]) -> None:
        for sheet in self.sheets:
            sheet._fit_columns()
        self.wb.save(fileobj)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.save(out)
        return out.getvalue()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A workbook as a download named ``filename`` (ASCII)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
