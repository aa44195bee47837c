from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import Workbook

from dangjian.learning.exams.actions import do_create_bank, do_create_exam, do_import_questions
from dangjian.learning.exams.excel import check_file

HEADER = ["题型", "题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析"]
ROWS = [
    ["单选", "中国共产党成立于哪一年？", "1919", "1921", "1927", "1949", "B", ""],
    ["单选", "党的根本组织原则是？", "民主集中制", "集体领导", "", "", "A", ""],
    ["单选", "“一课”指什么？", "党课", "团课", "讲座", "", "A", ""],
    ["多选", "“三会”包括？", "支部党员大会", "支部委员会", "党小组会", "运动会", "ABC", ""],
    ["多选", "党的优良作风？", "理论联系实际", "密切联系群众", "形式主义", "", "A,B", ""],
    ["判断", "党员应按月交纳党费。", "", "", "", "", "对", ""],
    ["判断", "预备期为两年。", "", "", "", "", "错", ""],
    ["填空", "党的最高理想是实现____。", "", "", "", "", "共产主义|共产主义社会", ""],
    ["填空", "组织生活会每年召开____次。", "", "", "", "", "1｜一", ""],
]


def workbook(rows: list[list[Any]], header: list[str] = HEADER) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "bank.xlsx"
    return out


@pytest.fixture
def ex(tree: Any, users: Any) -> SimpleNamespace:
    """A county bank of nine questions (3 single, 2 multiple, 2 true/false, 2 fill-in) and a draft
    county exam drawing 2 + 1 + 1 + 1 of them, 10 minutes, open from an hour ago for a day."""
    bank = do_create_bank(tree.county, {"title": "应知应会"}, acting_user=users.admin)
    do_import_questions(bank, check_file(workbook(ROWS)), acting_user=users.admin)
    now = timezone.now()
    exam = do_create_exam(tree.county, bank, {
        "title": "党章测试", "single_count": 2, "multiple_count": 1, "true_false_count": 1, "fill_count": 1,
        "duration_minutes": 10, "max_attempts": 1, "pass_percent": 60,
        "opens_at": now - dt.timedelta(hours=1), "closes_at": now + dt.timedelta(days=1)}, acting_user=users.admin)
    return SimpleNamespace(bank=bank, exam=exam)


@pytest.fixture
def publish(django_capture_on_commit_callbacks: Any, users: Any) -> Any:
    """Publish an exam and run what it queues after commit (the papers are drawn at once: the
    test task backend runs tasks immediately)."""
    from dangjian.learning.exams.actions import do_publish_exam

    def run(exam: Any, user: Any = None) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return do_publish_exam(exam, acting_user=user or users.admin)

    return run
