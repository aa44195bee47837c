"""Excel for dues: the bases import (validate every row first, nothing written on error) and the
branch ledger export (the same numbers as the screen, to the cent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, override
from openpyxl import load_workbook

from dangjian.core import crypto, spreadsheets
from dangjian.core.scoping import scoped
from dangjian.dues import DuesCategory
from dangjian.dues.actions import PERM_MANAGE, clean_base_data
from dangjian.dues.calc import cents_to_yuan, parse_yuan
from dangjian.dues.selectors import Ledger
from dangjian.members.models import Member

#: column key → header label (English source; the Chinese and English headers are both accepted)
COLUMNS = [
    ("id_number", gettext_noop("ID-card number")),
    ("name", gettext_noop("Name")),
    ("year", gettext_noop("Year")),
    ("effective_month", gettext_noop("Effective from month")),
    ("category", gettext_noop("Dues category")),
    ("base", gettext_noop("Monthly base (yuan)")),
    ("farmer_amount", gettext_noop("Farmer member's monthly amount (yuan)")),
    ("note", gettext_noop("Note")),
]
#: header spellings seen in branches' own sheets, accepted besides the template's labels
HEADER_ALIASES = {
    "身份证号码": "id_number", "身份证号": "id_number", "公民身份号码": "id_number", "id number": "id_number",
    "年度": "year", "年份": "year", "起始月份": "effective_month", "生效月份": "effective_month",
    "类别": "category", "党费类别": "category", "月基数（元）": "base", "月基数(元)": "base",
    "基数": "base", "计算基数": "base", "月计算基数（元）": "base",
}
REQUIRED = {"id_number", "name", "year", "category"}


def _labels(lang: str) -> dict[str, str]:
    with override(lang):
        return {key: _(label) for key, label in COLUMNS}


def _category_codes() -> dict[str, str]:
    out: dict[str, str] = {}
    for lang in ("zh-hans", "en"):
        with override(lang):
            for value, label in DuesCategory.choices:
                out[str(label).strip()] = value
    for value in DuesCategory.values:
        out[value] = value
    return out


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class BaseImportCheck:
    rows: list[tuple[Member, dict[str, Any]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_bases_file(fileobj: IO[bytes], *, user: Any, max_rows: int = 20000) -> BaseImportCheck:
    """Read and check every row; the result holds either rows ready for ``do_import_bases`` or
    the errors (row number, column, rule)."""
    check = BaseImportCheck()
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        check.errors.append(RowError(0, "", _("The file is not an Excel workbook (.xlsx).")))
        return check
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None) or ()
    aliases: dict[str, str] = {k.lower(): v for k, v in HEADER_ALIASES.items()}
    for lang in ("zh-hans", "en"):
        for key, label in _labels(lang).items():
            aliases[label.strip().lower()] = key
    index: dict[str, int] = {}
    for i, cell in enumerate(header):
        col = aliases.get(_text(cell).lower())
        if col:
            index[col] = i
    labels = {key: _(label) for key, label in COLUMNS}
    missing = [labels[k] for k in ("id_number", "name", "year", "category") if k not in index]
    if missing:
        check.errors.append(RowError(1, ", ".join(missing), _("Missing column(s).")))
        return check
    categories = _category_codes()
    raw: list[tuple[int, dict[str, str]]] = []
    for n, values in enumerate(rows, start=2):
        cells = {k: _text(values[i]) if i < len(values) else "" for k, i in index.items()}
        if not any(cells.values()):
            continue
        if len(raw) >= max_rows:
            check.errors.append(RowError(n, "", _("Too many rows: at most %(n)d.") % {"n": max_rows}))
            return check
        raw.append((n, cells))
    if not raw:
        check.errors.append(RowError(0, "", _("The file has no data rows.")))
        return check
    digests = {crypto.digest(c["id_number"].upper(), purpose="id"): c["id_number"] for _n, c in raw if c["id_number"]}
    members = {m.person.id_number_digest: m for m in scoped(
        Member.objects.select_related("person", "organization"), user, PERM_MANAGE, path_field="org_path",
    ).filter(person__id_number_digest__in=list(digests))}
    seen: dict[tuple[int, int, int], int] = {}
    for n, cells in raw:
        member = members.get(crypto.digest(cells["id_number"].upper(), purpose="id")) if cells["id_number"] else None
        if member is None:
            check.errors.append(RowError(n, labels["id_number"],
                                         _("No member with this ID-card number in your organizations.")))
            continue
        if cells["name"] != member.person.name:
            check.errors.append(RowError(n, labels["name"], _("The name does not match the member's record (%(name)s).")
                                         % {"name": member.person.name}))
            continue
        data: dict[str, Any] = {"year": cells.get("year"), "effective_month": cells.get("effective_month") or 1,
                                "category": categories.get(cells.get("category", ""), cells.get("category", "")),
                                "note": cells.get("note", "")}
        bad = False
        for key, target in (("base", "base_cents"), ("farmer_amount", "farmer_amount_cents")):
            if cells.get(key):
                try:
                    data[target] = parse_yuan(cells[key])
                except ValidationError as exc:
                    check.errors.append(RowError(n, labels[key], exc.messages[0]))
                    bad = True
        if bad:
            continue
        try:
            clean = clean_base_data(member, data)
        except ValidationError as exc:
            column_of = {"year": "year", "effective_month": "effective_month", "category": "category",
                         "base": "base", "farmer_amount": "farmer_amount"}
            for fld, messages in exc.message_dict.items():
                check.errors.append(RowError(n, labels.get(column_of.get(fld, ""), fld), messages[0]))
            continue
        key3 = (member.pk, clean["year"], clean["effective_month"])
        if key3 in seen:
            check.errors.append(RowError(n, labels["id_number"], _("Same member, year and month as row %(row)d.")
                                         % {"row": seen[key3]}))
            continue
        seen[key3] = n
        check.rows.append((member, data))
    if check.errors:
        check.rows = []
    return check


@spreadsheets.export("dues.bases_template")
def bases_template() -> bytes:
    book = spreadsheets.Book()
    sheet = book.sheet(_("Dues bases"))
    sheet.header([_(label) for _key, label in COLUMNS])
    return book.to_bytes()


@spreadsheets.export("dues.ledger")
def ledger_workbook(ledger: Ledger, guests: list[Any] | None = None) -> bytes:
    """The branch ledger as a workbook: amounts in yuan as numbers with two decimals, a total row
    equal to the screen's; below it, as on the page, a branch's floating guests (not in the totals)."""
    book = spreadsheets.Book()
    sheet = book.sheet(f"{ledger.month:%Y-%m}")
    sheet.title([_("Dues ledger"), ledger.org.name, f"{ledger.month:%Y-%m}"])
    sheet.header([_("Organization"), _("Members billed"), _("Amount due (yuan)"), _("Members paid"),
                  _("Amount paid (yuan)"), _("Members unpaid"), _("Amount unpaid (yuan)"), _("Exempted")])

    def line(label: str, r: Any) -> list[Any]:
        return [label, r.due_count, float(cents_to_yuan(r.due_cents)), r.paid_count,
                float(cents_to_yuan(r.paid_cents)), r.unpaid_count, float(cents_to_yuan(r.unpaid_cents)),
                r.exempt_count]

    for row in ledger.rows:
        sheet.append(line(row.name, row))
    sheet.append(line(_("Total"), ledger.total))
    sheet.append([_("Voluntary extra dues (yuan)"), "", float(cents_to_yuan(ledger.voluntary_cents))])
    sheet.number_format("CEG", "0.00", first_row=3)
    if guests:
        sheet.append([])
        sheet.append([_("Floating members hosted here"), _("Not counted in the amounts above: their bills belong to "
                                                           "their home branches.")], fit=False)
        sheet.header([_("Name"), _("Home branch"), f"{ledger.month:%Y-%m}", _("Amount (yuan)"), _("Paid where")])
        for guest in guests:
            sheet.append(guest.export_cells())
    sheet.widths([30])
    return book.to_bytes()


# --- public notice and hand-overs -------------------------------------------------------

def _yuan_cell(cents: int) -> float:
    """An amount in yuan as an Excel number (two decimals; exact for any cents below 2**53)."""
    return float(cents_to_yuan(cents))


@spreadsheets.export("dues.notice")
def notice_workbook(sheet: Any) -> bytes:
    """The public notice (``collection.NoticeSheet``): name, the 12 months, the year's amount, the
    total and voluntary dues — the screen's figures; nothing else about a member."""
    book = spreadsheets.Book()
    ws = book.sheet(str(sheet.year))
    state = (_("Preview with live figures") if sheet.preview else _("Published version"))
    ws.title([_("Party dues public notice"), sheet.org_name, sheet.year, state,
              f"{sheet.published_at:%Y-%m-%d %H:%M}" if sheet.published_at else ""])
    ws.header([_("Name"), *[str(m) for m in range(1, 13)], _("Paid in the year (yuan)")])
    for row in sheet.rows:
        ws.append([row["name"], *sheet.marks(row), _yuan_cell(row["paid_cents"])])
    ws.append([_("Total"), *[""] * 12, _yuan_cell(sheet.paid_cents)])
    ws.append([_("Voluntary extra dues (yuan)"), _yuan_cell(sheet.voluntary_cents)])
    ws.append([_("✓ paid, ✗ unpaid, · no bill")], fit=False)
    ws.number_format("N", "0.00", first_row=3)
    ws.ws["B" + str(ws.ws.max_row - 1)].number_format = "0.00"
    ws.widths([24, *[None] * 12, 18])
    return book.to_bytes()


@spreadsheets.export("dues.handovers")
def handovers_workbook(org_name: str, rows: Any, totals: Any) -> bytes:
    """Hand-overs under an organization (the page's list, all pages) with the totals of the page:
    collected, handed up, confirmed (returned hand-overs are listed but not counted)."""
    from dangjian.dues import HandoverStatus

    book = spreadsheets.Book()
    sheet = book.sheet(_("Dues handed up"))
    sheet.title([_("Dues handed up"), org_name])
    sheet.header([_("Organization"), _("Period"), _("Collected (yuan)"), _("Handed up (yuan)"), _("Confirmed (yuan)"),
                  _("Handed up to"), _("Status"), _("Reference"), _("Note")])
    for h in rows:
        period = f"{h.period_start:%Y-%m}" + (f" – {h.period_end:%Y-%m}" if h.period_end != h.period_start else "")
        confirmed = h.handed_up_cents if h.status == HandoverStatus.CONFIRMED else 0
        sheet.append([h.organization.name, period, _yuan_cell(h.collected_cents), _yuan_cell(h.handed_up_cents),
                      _yuan_cell(confirmed), h.to_organization.name, str(h.get_status_display()), h.reference,
                      h.decision_note or h.note])
    sheet.append([_("Total"), "", _yuan_cell(totals.collected_cents), _yuan_cell(totals.handed_up_cents),
                  _yuan_cell(totals.confirmed_cents)])
    sheet.append([_("Returned hand-overs are not counted in the totals.")], fit=False)
    sheet.number_format("CDE", "0.00", first_row=3)
    sheet.widths([30])
    return book.to_bytes()

# --- per-member year ledger ----------------------------------------------------------------------

def _month_mark(bill: Any) -> str:
    """A month's cell as on the screen: the amount and ✓ paid / ○ exempted / ✗ unpaid, or —."""
    from dangjian.dues import BillStatus

    if bill is None:
        return "—"
    mark = {BillStatus.PAID: "✓", BillStatus.EXEMPT: "○"}.get(bill.status, "✗")
    return f"{bill.amount_yuan} {mark}"


@spreadsheets.export("dues.member_year")
def member_year_workbook(org_name: str, year: int, rows: list[dict[str, Any]], totals: Any) -> bytes:
    """Dues per member for a year: the 12 months as on the screen, due and paid per member, and the
    totals of the whole list (equal to the sum of the rows)."""
    book = spreadsheets.Book()
    sheet = book.sheet(str(year))
    sheet.title([_("Dues per member"), org_name, year])
    sheet.header([_("Member"), *[str(m) for m in range(1, 13)], _("Due (yuan)"), _("Paid (yuan)")])
    for row in rows:
        sheet.append([row["member"].person.name, *[_month_mark(b) for b in row["months"]],
                      _yuan_cell(row["due_cents"]), _yuan_cell(row["paid_cents"])])
    sheet.append([_("Total"), *[""] * 12, _yuan_cell(totals.due_cents), _yuan_cell(totals.paid_cents)])
    sheet.append([_("Unpaid (yuan)"), _yuan_cell(totals.unpaid_cents)])
    sheet.append([_("✓ paid · ✗ unpaid · ○ exempted")], fit=False)
    sheet.number_format("NO", "0.00", first_row=3)
    sheet.ws["B" + str(sheet.ws.max_row - 1)].number_format = "0.00"
    sheet.widths([16])
    return book.to_bytes()
