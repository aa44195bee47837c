"""Excel for exams: the question-bank import (every row checked first; one bad row rejects the
whole file, each error naming its row and column; nothing written), its template, and the
results workbook (per member and per organization, the screen's figures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import get_language, gettext_noop, override, pgettext
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from dangjian.core import spreadsheets
from dangjian.learning.exams import QuestionKind

MAX_ROWS = 5000
MAX_TEXT = 2000
MAX_OPTION = 500
OPTION_LETTERS = "ABCDEF"
#: column key → header label (English source; the Chinese and English headers are both accepted)
COLUMNS = [
    ("kind", gettext_noop("Question type")),
    ("text", gettext_noop("Question text")),
    *[(f"option_{letter}", gettext_noop("Option %s")) for letter in OPTION_LETTERS],
    ("answer", gettext_noop("Right answer")),
    ("explanation", gettext_noop("Explanation")),
]
HEADER_ALIASES = {
    "题型": "kind", "类型": "kind", "试题类型": "kind", "题目": "text", "题干": "text", "试题": "text",
    "question": "text", "answer": "answer", "type": "kind", "答案": "answer", "正确答案": "answer", "标准答案": "answer", "解析": "explanation", "答案解析": "explanation",
    **{f"选项{letter}": f"option_{letter}" for letter in OPTION_LETTERS},
    **{letter: f"option_{letter}" for letter in OPTION_LETTERS},
}
KIND_ALIASES = {
    "单选": QuestionKind.SINGLE, "单选题": QuestionKind.SINGLE, "单项选择": QuestionKind.SINGLE,
    "单项选择题": QuestionKind.SINGLE, "多选": QuestionKind.MULTIPLE, "多选题": QuestionKind.MULTIPLE,
    "多项选择": QuestionKind.MULTIPLE, "多项选择题": QuestionKind.MULTIPLE, "判断": QuestionKind.TRUE_FALSE,
    "判断题": QuestionKind.TRUE_FALSE, "填空": QuestionKind.FILL, "填空题": QuestionKind.FILL,
}
TRUE_WORDS = {"对", "正确", "是", "√", "✓", "true", "t", "yes", "y", "1"}
FALSE_WORDS = {"错", "错误", "否", "×", "✗", "x", "false", "f", "no", "n", "0"}
ALTERNATIVE_SEPARATORS = ("|", "｜")


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportCheck:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _labels(lang: str) -> dict[str, str]:
    with override(lang):
        return {key: _(label) % key[-1] if key.startswith("option_") else _(label) for key, label in COLUMNS}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "对" if value else "错"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\x00", "").strip()


def _kind_codes() -> dict[str, str]:
    out: dict[str, str] = dict(KIND_ALIASES)
    for lang in ("zh-hans", "en"):
        with override(lang):
            for value, label in QuestionKind.choices:
                out[str(label).strip().casefold()] = value
    for value in QuestionKind.values:
        out[value] = value
    return out


def _letters(answer: str) -> list[str]:
    return [ch for ch in answer.upper().replace("，", ",").replace("、", ",") if ch not in ", ;；"]


def check_row(cells: dict[str, str], labels: dict[str, str], kinds: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One row as question data, or its errors as (column label, rule)."""
    errors: list[tuple[str, str]] = []
    kind = kinds.get(cells.get("kind", "").casefold())
    if kind is None:
        errors.append((labels["kind"], _("Give one of: single choice, multiple choice, true or false, fill in.")))
    text = cells.get("text", "")
    if not text:
        errors.append((labels["text"], _("The question is required.")))
    elif len(text) > MAX_TEXT:
        errors.append((labels["text"], _("At most %(n)d characters.") % {"n": MAX_TEXT}))
    options = [cells.get(f"option_{letter}", "") for letter in OPTION_LETTERS]
    while options and not options[-1]:
        options.pop()
    answer_text = cells.get("answer", "")
    data: dict[str, Any] = {"kind": kind, "text": text, "options": [], "answer": None,
                            "explanation": cells.get("explanation", "")[:MAX_TEXT]}
    if not answer_text:
        errors.append((labels["answer"], _("The answer is required.")))
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        for i, option in enumerate(options):
            label = labels[f"option_{OPTION_LETTERS[i]}"]
            if not option:
                errors.append((label, _("Options must be filled in without gaps.")))
            elif len(option) > MAX_OPTION:
                errors.append((label, _("At most %(n)d characters.") % {"n": MAX_OPTION}))
        if len(options) < 2:
            errors.append((labels["option_B"], _("A choice question needs at least two options.")))
        data["options"] = options
        if answer_text:
            letters = _letters(answer_text)
            bad = [ch for ch in letters if ch not in OPTION_LETTERS[:len(options)]]
            if not letters or bad:
                errors.append((labels["answer"], _("Give the letters of filled-in options (A to %(last)s).")
                               % {"last": OPTION_LETTERS[max(len(options), 1) - 1]}))
            elif len(set(letters)) != len(letters):
                errors.append((labels["answer"], _("Each letter only once.")))
            elif kind == QuestionKind.SINGLE and len(letters) != 1:
                errors.append((labels["answer"], _("A single-choice question has exactly one right option.")))
            elif kind == QuestionKind.MULTIPLE and len(letters) < 2:
                errors.append((labels["answer"], _("A multiple-choice question has at least two right options.")))
            else:
                indexes = sorted(OPTION_LETTERS.index(ch) for ch in letters)
                data["answer"] = indexes[0] if kind == QuestionKind.SINGLE else indexes
    elif kind is not None:
        if options:
            errors.append((labels["option_A"], _("Only choice questions have options.")))
        if kind == QuestionKind.TRUE_FALSE and answer_text:
            word = answer_text.casefold()
            if word in TRUE_WORDS:
                data["answer"] = True
            elif word in FALSE_WORDS:
                data["answer"] = False
            else:
                errors.append((labels["answer"], _("Answer 对 (true) or 错 (false).")))
        elif kind == QuestionKind.FILL and answer_text:
            value = answer_text
            for sep in ALTERNATIVE_SEPARATORS[1:]:
                value = value.replace(sep, ALTERNATIVE_SEPARATORS[0])
            alternatives = [a.strip() for a in value.split(ALTERNATIVE_SEPARATORS[0]) if a.strip()]
            if not alternatives or any(len(a) > MAX_OPTION for a in alternatives):
                errors.append((labels["answer"], _("Give the accepted answers separated by |, each at most %(n)d "
                                                   "characters.") % {"n": MAX_OPTION}))
            else:
                data["answer"] = alternatives
    return data, errors


def check_file(fileobj: IO[bytes], *, max_rows: int = MAX_ROWS) -> ImportCheck:
    """Read and check every row of the first sheet; the result holds either the questions ready
    for ``actions.do_import_questions`` or every error found (row, column, rule)."""
    check = ImportCheck()
    try:
        wb = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        check.errors.append(RowError(0, "", _("The file is not an Excel workbook (.xlsx).")))
        return check
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None) or ()
        aliases: dict[str, str] = {k.casefold(): v for k, v in HEADER_ALIASES.items()}
        for lang in ("zh-hans", "en"):
            for key, label in _labels(lang).items():
                aliases[label.strip().casefold()] = key
        index: dict[str, int] = {}
        for i, cell in enumerate(header):
            column = aliases.get(_text(cell).casefold())
            if column and column not in index:
                index[column] = i
        labels = _labels(get_language() or "zh-hans")
        missing = [labels[k] for k in ("kind", "text", "answer") if k not in index]
        if missing:
            check.errors.append(RowError(1, "、".join(missing), _("Missing column(s).")))
            return check
        kinds = _kind_codes()
        for n, values in enumerate(rows, start=2):
            cells = {k: _text(values[i]) if i < len(values) else "" for k, i in index.items()}
            if not any(cells.values()):
                continue
            if len(check.rows) + len(check.errors) >= max_rows:
                check.errors.append(RowError(n, "", _("Too many rows: at most %(n)d.") % {"n": max_rows}))
                break
            data, errors = check_row(cells, labels, kinds)
            if errors:
                check.errors.extend(RowError(n, column, message) for column, message in errors)
            else:
                data["row"] = n
                check.rows.append(data)
    finally:
        wb.close()
    if not check.rows and not check.errors:
        check.errors.append(RowError(0, "", _("The file has no data rows.")))
    if check.errors:
        check.rows = []
    return check


@spreadsheets.export("exams.bank_template")
def bank_template() -> bytes:
    """The import template: the headers and one example row of each kind."""
    book = spreadsheets.Book()
    sheet = book.sheet(_("Questions"))
    labels = _labels(get_language() or "zh-hans")
    sheet.header([labels[key] for key, _label in COLUMNS])
    sheet.append([_("Single choice"), "中国共产党成立于哪一年？", "1919", "1921", "1949", "", "", "", "B",
                  "1921年7月中国共产党第一次全国代表大会召开。"])
    sheet.append([_("Multiple choice"), "“三会一课”包括哪些？", "支部党员大会", "支部委员会", "党小组会",
                  "运动会", "", "", "ABC", ""])
    sheet.append([_("True or false"), "党员应按时交纳党费。", "", "", "", "", "", "", "对", ""])
    sheet.append([_("Fill in the blank"), "党的最高理想和最终目标是实现____。", "", "", "", "", "", "",
                  "共产主义|共产主义社会", ""])
    sheet.widths([12, 40, 14, 14, 14, 14, 14, 14, 10, 30])
    return book.to_bytes()


@spreadsheets.export("exams.results")
def results_workbook(exam: Any, members: list[dict[str, Any]], orgs: list[dict[str, Any]]) -> bytes:
    """The exam's results: one sheet per member (best finished attempt), one per organization."""
    book = spreadsheets.Book()
    sheet = book.sheet(pgettext("exams", "Members"))
    sheet.title([exam.title, f"{exam.opens_at:%Y-%m-%d %H:%M}", f"{exam.closes_at:%Y-%m-%d %H:%M}"])
    sheet.header([pgettext("exams", "Name"), _("Organization"), pgettext("exams", "Attempts"), _("Best score"), _("Full marks"), _("Passed"),
                  pgettext("exams", "Submitted at")])
    for row in members:
        sheet.append([row["name"], row["organization"], row["attempts"], row["score"], row["max_score"],
                      pgettext("exams", "yes") if row["passed"] else pgettext("exams", "no"), row["submitted_at"]])
    orgs_sheet = book.sheet(_("Organizations"))
    orgs_sheet.title([exam.title])
    orgs_sheet.header([_("Organization"), _("Members taking part"), _("Passed"), _("Pass rate (%)"),
                       _("Average score")])
    for row in orgs:
        orgs_sheet.append([row["organization"], row["took"], row["passed"], row["pass_rate"], row["average"]])
    return book.to_bytes()
