"""The bank import: every row checked first; one bad row rejects the whole file, naming row and
column; nothing written. The template imports back as it is."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.learning.exams.actions import do_create_bank, do_import_questions
from dangjian.learning.exams.excel import bank_template, check_file
from dangjian.learning.exams.models import Question
from dangjian.learning.exams.tests.conftest import HEADER, ROWS, workbook

pytestmark = pytest.mark.django_db


def test_good_file_imports_every_kind(tree: Any, users: Any) -> None:
    bank = do_create_bank(tree.town_a, {"title": "甲镇题库"}, acting_user=users.organizer)
    check = check_file(workbook(ROWS))
    assert check.ok, check.errors
    assert do_import_questions(bank, check, acting_user=users.organizer) == 9
    q = {x.text: x for x in Question.objects.filter(bank=bank)}
    assert q["中国共产党成立于哪一年？"].answer == 1 and q["中国共产党成立于哪一年？"].options == ["1919", "1921", "1927", "1949"]
    assert q["党的根本组织原则是？"].options == ["民主集中制", "集体领导"]
    assert q["党的优良作风？"].answer == [0, 1]
    assert q["预备期为两年。"].answer is False
    assert q["组织生活会每年召开____次。"].answer == ["1", "一"]


@pytest.mark.parametrize(("row", "column", "rule"), [
    (["单选", "题", "a", "b", "", "", "C", ""], "答案", "A 到 B"),
    (["单选", "题", "a", "b", "", "", "AB", ""], "答案", "恰有一个"),
    (["多选", "题", "a", "b", "c", "", "A", ""], "答案", "至少有两个"),
    (["单选", "题", "a", "", "c", "", "A", ""], "选项B", "不能留空"),
    (["问答", "题", "", "", "", "", "x", ""], "题型", "单选"),
    (["判断", "题", "", "", "", "", "也许", ""], "答案", "对"),
    (["判断", "", "", "", "", "", "对", ""], "题目", "必填"),
    (["填空", "题", "", "", "", "", "", ""], "答案", "必填"),
    (["填空", "题", "x", "", "", "", "y", ""], "选项A", "只有选择题"),
])
def test_one_bad_row_rejects_the_whole_file_naming_row_and_column(
        tree: Any, users: Any, row: list[str], column: str, rule: str) -> None:
    bank = do_create_bank(tree.county, {"title": "题库"}, acting_user=users.admin)
    check = check_file(workbook([*ROWS[:4], row, *ROWS[4:]]))
    assert not check.ok and check.rows == []
    assert [(e.row, e.column) for e in check.errors][:1] == [(6, column)]
    assert rule in check.errors[0].message
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        do_import_questions(bank, check, acting_user=users.admin)
    assert not Question.objects.filter(bank=bank).exists() and AuditEvent.objects.count() == events


def test_not_a_workbook_missing_columns_and_empty_file() -> None:
    assert "Excel" in check_file(io.BytesIO(b"not a zip")).errors[0].message
    missing = check_file(workbook([["单选", "x"]], header=["题型", "题目"])).errors[0]
    assert (missing.row, missing.column) == (1, "答案")
    assert check_file(workbook([])).errors[0].message


def test_english_headers_and_kind_names_are_accepted() -> None:
    header = ["Question type", "Question", "Option A", "Option B", "Answer"]
    check = check_file(workbook([["Single choice", "q", "a", "b", "B"], ["true_false", "t", "", "", "false"]],
                                header=header))
    assert check.ok, check.errors
    assert [r["answer"] for r in check.rows] == [1, False]


def test_the_template_imports_back() -> None:
    check = check_file(io.BytesIO(bank_template()))
    assert check.ok, check.errors
    assert sorted(r["kind"] for r in check.rows) == ["fill", "multiple", "single", "true_false"]


def test_formula_like_text_stays_text(tree: Any, users: Any) -> None:
    bank = do_create_bank(tree.county, {"title": "题库"}, acting_user=users.admin)
    book = workbook([["判断", "=1+1 是公式吗", "", "", "", "", "错", ""]])
    from openpyxl import load_workbook  # a text cell that starts with "=", as the export guard writes it

    wb = load_workbook(book)
    wb.active["B2"].data_type = "s"
    wb.active["B2"].quotePrefix = True
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    do_import_questions(bank, check_file(out), acting_user=users.admin)
    assert Question.objects.get(bank=bank).text == "=1+1 是公式吗"


def test_import_page_lists_errors_and_writes_nothing(client: Any, tree: Any, users: Any) -> None:
    bank = do_create_bank(tree.branch_a1, {"title": "支部题库"}, acting_user=users.secretary)
    client.force_login(users.secretary)
    bad = workbook([ROWS[0], ["单选", "题", "a", "b", "", "", "Z", ""]])
    r = client.post(reverse("exams:bank_import", args=[bank.pk]), {"file": bad})
    assert r.status_code == 400
    body = r.content.decode()
    assert "未导入" in body and ">3<" in body and "答案" in body
    assert not Question.objects.filter(bank=bank).exists()
    r = client.post(reverse("exams:bank_import", args=[bank.pk]), {"file": workbook(ROWS)})
    assert r.status_code == 302 and Question.objects.filter(bank=bank).count() == 9


def test_import_needs_the_bank_in_scope(client: Any, tree: Any, users: Any) -> None:
    county_bank = do_create_bank(tree.county, {"title": "县题库"}, acting_user=users.admin)
    client.force_login(users.secretary)  # branch A1: may use the county's bank, not change it
    assert client.get(reverse("exams:bank", args=[county_bank.pk])).status_code == 200
    r = client.post(reverse("exams:bank_import", args=[county_bank.pk]), {"file": workbook(ROWS)})
    assert r.status_code == 404 and not Question.objects.filter(bank=county_bank).exists()


def test_template_download(client: Any, users: Any) -> None:
    client.force_login(users.organizer)
    r = client.get(reverse("exams:bank_template"))
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert check_file(io.BytesIO(r.content)).ok
    client.force_login(users.member)
    assert client.get(reverse("exams:bank_template")).status_code == 403


def test_header_constant_is_the_chinese_template_header() -> None:
    assert HEADER[:2] == ["题型", "题目"]
