"""Excel (.xlsx) import and export of members with openpyxl (issue 2 item 6).

The column layout is shared by the template, the export and the import, so an exported file can
be edited and imported again. Reading and validation live here; the writes are the actions in
``members.import_actions``. Every row is validated with ``members.forms.MemberForm`` — the same
rules as the web form and the API — plus the import-only rules (organization in scope and a
branch, ID-card number not registered and not repeated in the file).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db.models import Q, TextChoices
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from dangjian.core import crypto, spreadsheets
from dangjian.core.scoping import in_scope
from dangjian.members import AddType, Education, MemberCategory, MemberStatus, Sex
from dangjian.members.forms import MemberForm
from dangjian.members.models import Member, Person
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
DATA_SHEET = "党员 Members"
VALUES_SHEET = "可选值 Allowed values"
DATE_FORMAT = spreadsheets.DATE_FORMAT
#: Rows of the template that carry drop-down lists (data validation).
TEMPLATE_VALIDATION_ROWS = 5000
_LOOKUP_CHUNK = 500
#: Organization ids in a sheet: ASCII digits only ("²" and other Unicode digits are not ids).
_ID_REF_RE = re.compile(r"[0-9]{1,17}")

logger = logging.getLogger(__name__)

# Chinese labels as on the national member-information forms. They are data-entry vocabulary
# (the words people type in the sheet), not interface text, so they are fixed rather than
# translated. The first label of each code is the one written on export; the rest are aliases.
CHOICE_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "sex": {Sex.MALE: ("男", "男性"), Sex.FEMALE: ("女", "女性")},
    "education": {
        Education.PRIMARY: ("小学",),
        Education.JUNIOR: ("初中",),
        Education.SENIOR: ("高中/中专", "高中", "中专", "中技", "技校", "高中、中专、技校"),
        Education.JUNIOR_COLLEGE: ("大专", "大学专科", "专科"),
        Education.BACHELOR: ("大学本科", "本科", "大学"),
        Education.MASTER: ("硕士研究生", "硕士", "研究生"),
        Education.DOCTOR: ("博士研究生", "博士"),
    },
    "status": {MemberStatus.FULL: ("正式党员", "正式"), MemberStatus.PROBATIONARY: ("预备党员", "预备")},
    "category": {
        MemberCategory.IN_SERVICE: ("在岗职工", "在岗", "在职"),
        MemberCategory.RETIRED: ("离退休人员", "离退休", "退休", "离休"),
        MemberCategory.FARMER: ("农牧渔民", "农民", "牧民", "渔民"),
        MemberCategory.STUDENT: ("学生",),
        MemberCategory.UNEMPLOYED: ("失业人员", "失业", "无业", "下岗"),
        MemberCategory.OTHER: ("其他",),
    },
    "add_type": {
        AddType.DEVELOPED: ("新发展", "发展"),
        AddType.TRANSFERRED_IN: ("转入", "组织关系转入"),
        AddType.OTHER: ("其他",),
    },
}
CHOICE_ENUMS: dict[str, type[TextChoices]] = {
    "sex": Sex, "education": Education, "status": MemberStatus, "category": MemberCategory, "add_type": AddType,
}
#: Blank cells in these columns take the model's default.
DEFAULTS = {"category": MemberCategory.IN_SERVICE.value, "add_type": AddType.DEVELOPED.value}


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text, date, choice, org
    width: int = 14
    required: bool = False

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "Name", width=10, required=True),
    Column("sex", "性别", "Sex", "choice", width=8),
    Column("ethnicity", "民族", "Ethnicity", width=8),
    Column("birth_date", "出生日期", "Birth date", "date", width=12),
    Column("id_number", "公民身份号码", "ID-card number", width=21),
    Column("phone", "联系电话", "Phone", width=14),
    Column("education", "学历", "Education", "choice", width=12),
    Column("address", "家庭住址", "Address", width=24),
    Column("work_unit", "工作单位", "Work unit", width=20),
    Column("job_post", "职务", "Post", width=12),
    Column("organization", "所在党组织", "Organization", "org", width=24, required=True),
    Column("category", "人员类别", "Category", "choice", width=12),
    Column("status", "党员状态", "Status", "choice", width=10, required=True),
    Column("join_date", "入党日期", "Date joined the party", "date", width=12),
    Column("full_date", "转正日期", "Date of full membership", "date", width=12),
    Column("add_type", "进入方式", "How added", "choice", width=10),
    Column("note", "备注", "Note", width=20),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
_TEXT_COLUMNS = {"id_number", "phone"}


def _norm(value: str) -> str:
    return re.sub(r"\s+", " ", str(value)).strip().casefold()


def choice_label(key: str, code: str) -> str:
    labels = CHOICE_LABELS[key].get(code)
    return labels[0] if labels else code


@dataclass
class ChoiceMap:
    lookup: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def build(cls) -> ChoiceMap:
        lookup: dict[str, dict[str, str]] = {}
        for key, enum in CHOICE_ENUMS.items():
            table: dict[str, str] = {}
            for code, label in enum.choices:
                table[_norm(code)] = code
                with translation.override("en"):
                    table[_norm(str(label))] = code
                table[_norm(str(label))] = code  # the current language's label
            for code, labels in CHOICE_LABELS[key].items():
                for text in labels:
                    table[_norm(text)] = code
            lookup[key] = table
        return cls(lookup)

    def code(self, key: str, value: str) -> str:
        return self.lookup[key].get(_norm(value), value)


# --- Cells -----------------------------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def cell_date(value: Any) -> dt.date | str | None:
    """An Excel date, or text as yyyy-mm-dd, yyyy.mm.dd, yyyy/mm/dd (or yyyymmdd, yyyy年m月d日).
    Anything else is passed on as text, for the form to reject with its own message."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            return text
    return text


# --- Reading ----------------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file as a whole cannot be read (not .xlsx, no header, too many rows)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportCheck:
    """The outcome of validating a whole file: cleaned rows (when all are good) or the errors."""

    rows: list[dict[str, Any]]
    row_numbers: list[int]
    errors: list[RowError]
    total_rows: int

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _header_index(header_cells: Iterable[Any]) -> dict[str, tuple[int, str]]:
    """Map column key → (position, header text as in the file)."""
    aliases: dict[str, str] = {}
    for col in COLUMNS:
        for text in (col.header, col.zh, col.en, col.key):
            aliases[_norm(text)] = col.key
    found: dict[str, tuple[int, str]] = {}
    for pos, raw in enumerate(header_cells):
        text = cell_text(raw)
        if not text:
            continue
        norm = _norm(text)
        key = aliases.get(norm) or aliases.get(_norm(text.splitlines()[0]))
        if key is None:
            # "姓名 Name", "姓名(必填)" …: recognise the Chinese label at the start.
            key = next((c.key for c in COLUMNS if norm.startswith(c.zh)), None)
        if key and key not in found:
            found[key] = (pos, text.replace("\n", " "))
    return found


def read_workbook(fileobj: IO[bytes], *, max_rows: int) -> tuple[dict[str, str], list[tuple[int, dict[str, Any]]]]:
    """Read the first sheet: header row, then data rows (blank rows skipped).

    Returns (column key → header label, [(Excel row number, {key: raw cell value})]).
    """
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile):
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx).")) from None
    except Exception:  # noqa: BLE001 - any parser error in an uploaded file is the file's fault
        # A damaged part: "<bad" in [Content_Types].xml raises ParseError, a refused entity a
        # defusedxml error, a missing part KeyError, odd values ValueError/TypeError, …
        logger.info("Unreadable .xlsx upload", exc_info=True)
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx).")) from None
    try:
        return _read_rows(wb, max_rows=max_rows)
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - the sheets are parsed lazily, row by row
        logger.info("Damaged .xlsx upload", exc_info=True)
        raise ImportFileError(
            _("The workbook is damaged and its rows cannot be read. Save it again as .xlsx and retry.")
        ) from None
    finally:
        wb.close()


def _read_rows(wb: Any, *, max_rows: int) -> tuple[dict[str, str], list[tuple[int, dict[str, Any]]]]:
    if not wb.worksheets:
        raise ImportFileError(_("The file is not an Excel workbook (.xlsx)."))
    ws = wb.worksheets[0]
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # some writers record a wrong sheet size; read every row
    rows = ws.iter_rows(values_only=True)
    header = next(rows, None)
    index = _header_index(header or ())
    missing = [c.header for c in COLUMNS if c.required and c.key not in index]
    if missing:
        raise ImportFileError(
            _("The first row must hold the column headers of the template; missing: %(columns)s.")
            % {"columns": "、".join(missing)}
        )
    data: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(rows, start=2):
        if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(data) >= max_rows:
            raise ImportFileError(
                _("The file has more than %(max)d member rows; split it into smaller files.") % {"max": max_rows}
            )
        data.append((number, {key: (values[pos] if pos < len(values) else None) for key, (pos, _h) in index.items()}))
    return {key: label for key, (_p, label) in index.items()}, data


# --- Validation -------------------------------------------------------------------------------


@dataclass
class _OrgMatch:
    org: Organization | None = None
    error: str = ""


def _chunks(items: list[Any], size: int = _LOOKUP_CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def resolve_organizations(refs: set[str], user: Any) -> dict[str, _OrgMatch]:
    """Resolve each organization reference (full name, then code, then id) for importing.

    An organization outside what the user may even see is reported as unknown (no existence leak).
    """
    refs = {r for r in refs if r}
    ids = [int(r) for r in refs if _ID_REF_RE.fullmatch(r)]
    by_name: dict[str, list[Organization]] = {}
    by_code: dict[str, list[Organization]] = {}
    by_id: dict[str, Organization] = {}
    ref_list = sorted(refs)
    for chunk in _chunks(ref_list):
        for org in Organization.objects.filter(Q(name__in=chunk) | Q(code__in=chunk)):
            if org.name in refs:
                by_name.setdefault(org.name, []).append(org)
            if org.code and org.code in refs:
                by_code.setdefault(org.code, []).append(org)
    for chunk in _chunks(ids):
        for org in Organization.objects.filter(pk__in=chunk):
            by_id[str(org.pk)] = org

    result: dict[str, _OrgMatch] = {}
    for ref in refs:
        candidates = by_name.get(ref) or by_code.get(ref) or ([by_id[ref]] if ref in by_id else [])
        allowed = [o for o in candidates if in_scope(user, "members.import", o.path)]
        visible = [o for o in candidates if in_scope(user, "orgs.view", o.path)]
        if len(allowed) == 1:
            org = allowed[0]
            if org.kind not in BRANCH_KINDS:
                result[ref] = _OrgMatch(error=_("Members belong to a branch; “%(org)s” is not a branch.") % {"org": org.name})
            else:
                result[ref] = _OrgMatch(org=org)
        elif len(allowed) > 1:
            result[ref] = _OrgMatch(error=_("Several organizations are called “%(ref)s”; use the organization code or id.") % {"ref": ref})
        elif visible:
            result[ref] = _OrgMatch(error=_("You may not import members into “%(org)s”.") % {"org": visible[0].name})
        else:
            result[ref] = _OrgMatch(error=_("No organization in your scope has this name, code or id."))
    return result


def registered_id_digests(digests: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(sorted(set(digests))):
        found.update(Person.objects.filter(id_number_digest__in=chunk).values_list("id_number_digest", flat=True))
    return found


def validate_rows(headers: dict[str, str], raw_rows: list[tuple[int, dict[str, Any]]], *, user: Any) -> ImportCheck:
    """Validate every row; collect every error (row, column header, rule broken)."""
    choices = ChoiceMap.build()
    errors: list[RowError] = []
    org_refs = {cell_text(raw.get("organization")) for _n, raw in raw_rows}
    orgs = resolve_organizations(org_refs, user)

    def label(key: str) -> str:
        if key not in COLUMN_BY_KEY:
            return ""
        return headers.get(key) or COLUMN_BY_KEY[key].header

    cleaned_rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    id_rows: list[tuple[int, str]] = []
    for number, raw in raw_rows:
        data: dict[str, Any] = {}
        for col in COLUMNS:
            value = raw.get(col.key)
            if col.kind == "date":
                data[col.key] = cell_date(value)
            elif col.kind == "choice":
                text = cell_text(value)
                data[col.key] = choices.code(col.key, text) if text else DEFAULTS.get(col.key, "")
            elif col.kind == "org":
                continue
            else:
                data[col.key] = cell_text(value)
        ref = cell_text(raw.get("organization"))
        match = orgs.get(ref)
        row_errors: list[RowError] = []
        if not ref:
            row_errors.append(RowError(number, label("organization"), _("This field is required.")))
        elif match and match.error:
            row_errors.append(RowError(number, label("organization"), match.error))
        org = match.org if match else None
        # The form needs an organization value; its own "organization" errors are superseded by ours.
        data["organization"] = org.pk if org else 0
        form = MemberForm(data=data)
        if not form.is_valid():
            for key, messages in form.errors.items():
                if key == "organization" and org is None:
                    continue  # already reported above, with the reason
                for message in messages:
                    row_errors.append(RowError(number, label(key) if key != "__all__" else "", str(message)))
        id_number = form.cleaned_data.get("id_number") if "id_number" not in form.errors else None
        if id_number:
            id_rows.append((number, id_number))
        if not row_errors:
            cleaned = dict(form.cleaned_data)
            cleaned["organization"] = org
            cleaned_rows.append(cleaned)
            numbers.append(number)
        errors.extend(row_errors)

    # ID-card numbers (every well-formed one, even on rows with other problems): not twice in
    # the file, not already registered.
    first_seen: dict[str, int] = {}
    digests: dict[int, str] = {}
    for number, id_number in id_rows:
        d = crypto.digest(id_number, purpose="id")
        digests[number] = d
        if d in first_seen:
            errors.append(RowError(number, label("id_number"),
                                   _("This ID-card number is already in row %(row)d of this file.") % {"row": first_seen[d]}))
        else:
            first_seen[d] = number
    registered = registered_id_digests(list(digests.values()))
    for number, d in digests.items():
        if d in registered:
            errors.append(RowError(number, label("id_number"), _("A person with this ID-card number is already registered.")))
    errors.sort(key=lambda e: e.row)  # stable: within a row, columns keep the order found
    return ImportCheck(rows=cleaned_rows if not errors else [], row_numbers=numbers if not errors else [],
                       errors=errors, total_rows=len(raw_rows))


def check_file(fileobj: IO[bytes], *, user: Any, max_rows: int) -> ImportCheck:
    headers, raw_rows = read_workbook(fileobj, max_rows=max_rows)
    return validate_rows(headers, raw_rows, user=user)


# --- Writing ----------------------------------------------------------------------------------

_REQUIRED_FONT = Font(bold=True, color="C00000")


def _header_cell(sheet: spreadsheets.Sheet, col: Column) -> Any:
    return sheet.cell(col.header, font=_REQUIRED_FONT if col.required else spreadsheets.HEADER_FONT,
                      fill=spreadsheets.HEADER_FILL, alignment=Alignment(wrap_text=True, vertical="center"))


@spreadsheets.export("members.template")
def build_template(org_names: list[str]) -> spreadsheets.Book:
    """The blank import template: a header row, a sheet of allowed values, drop-down lists."""
    book = spreadsheets.Book()
    sheet = book.sheet(DATA_SHEET)
    ws = sheet.ws
    sheet.append([_header_cell(sheet, col) for col in COLUMNS])
    for i, col in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        if col.key in _TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
        elif col.kind == "date":
            ws.column_dimensions[letter].number_format = DATE_FORMAT
    sheet.widths(col.width for col in COLUMNS)
    ws.freeze_panes = "A2"

    values = book.sheet(VALUES_SHEET)
    lists: list[tuple[str, list[str]]] = [
        (COLUMN_BY_KEY[key].header, [labels[0] for labels in CHOICE_LABELS[key].values()])
        for key in ("sex", "education", "category", "status", "add_type")
    ]
    lists.append((COLUMN_BY_KEY["organization"].header, org_names))
    quoted = VALUES_SHEET.replace("'", "''")
    for j, (title, items) in enumerate(lists, start=1):
        values.write(1, j, title, font=spreadsheets.HEADER_FONT)
        for r, item in enumerate(items, start=2):
            values.write(r, j, item)
        if not items:
            continue
        target = next(i for i, c in enumerate(COLUMNS, start=1) if c.header == title)
        letter = get_column_letter(j)
        dv = DataValidation(
            type="list", formula1=f"='{quoted}'!${letter}$2:${letter}${len(items) + 1}",
            allow_blank=True, showErrorMessage=title != COLUMN_BY_KEY["organization"].header,
        )
        dv.add(f"{get_column_letter(target)}2:{get_column_letter(target)}{TEMPLATE_VALIDATION_ROWS + 1}")
        ws.add_data_validation(dv)
    notes = [
        "说明 Notes",
        "日期可写 2020-07-01、2020.07.01 或 2020/07/01。Dates: 2020-07-01, 2020.07.01 or 2020/07/01.",
        "所在党组织填全称、组织代码或编号。Organization: full name, code or id.",
        "人员类别、进入方式留空时为在岗职工、新发展。Blank category / how added: in service / newly developed.",
        "填写公民身份号码时出生日期、性别可留空。With an ID-card number, birth date and sex may be left blank.",
    ]
    values.widths([*[24] * (len(lists) - 1), 36, None, 80])
    for r, text in enumerate(notes, start=1):
        values.write(r, len(lists) + 2, text, font=spreadsheets.HEADER_FONT if r == 1 else None)
    return book


def template_bytes(org_names: list[str]) -> bytes:
    return build_template(org_names).to_bytes()


def birth_year(value: dt.date | None) -> str:
    return str(value.year) if value else ""


def export_row(member: Member, *, full_pii: bool) -> list[Any]:
    p = member.person
    values = {
        "name": p.name,
        "sex": choice_label("sex", p.sex) if p.sex else "",
        "ethnicity": p.ethnicity,
        # Beside a masked ID-card number, the birth year only: the birth date is part of the
        # number and would help rebuild it.
        "birth_date": p.birth_date if full_pii else birth_year(p.birth_date),
        "id_number": p.id_number if full_pii else p.id_number_masked,
        "phone": p.phone if full_pii else p.phone_masked,
        "education": choice_label("education", p.education) if p.education else "",
        "address": p.address,
        "work_unit": p.work_unit,
        "job_post": p.job_post,
        "organization": member.organization.name,
        "category": choice_label("category", member.category),
        "status": choice_label("status", member.status) if member.status in CHOICE_LABELS["status"] else str(MemberStatus(member.status).label),
        "join_date": member.join_date,
        "full_date": member.full_date,
        "add_type": choice_label("add_type", member.add_type),
        "note": member.note,
    }
    return [values[c.key] for c in COLUMNS]


@spreadsheets.export("members.export")
def write_members(fileobj: IO[bytes], members: Iterable[Member], *, full_pii: Callable[[Member], bool]) -> tuple[int, int]:
    """Stream members into a write-only workbook saved to ``fileobj``.

    Returns (rows written, rows whose ID-card number and phone were written unmasked).
    """
    book = spreadsheets.Book(write_only=True)
    sheet = book.sheet(DATA_SHEET)
    sheet.widths(col.width for col in COLUMNS)
    sheet.ws.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, col) for col in COLUMNS])
    count = unmasked = 0
    for member in members:
        full = full_pii(member)
        sheet.append(export_row(member, full_pii=full))
        count += 1
        unmasked += bool(full and (member.person.id_number or member.person.phone))
    book.save(fileobj)
    return count, unmasked
