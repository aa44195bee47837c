"""Demo data: a county question bank (checked like an Excel import) and a county exam open for
two weeks, published (the audience's papers are drawn by the background task); the demo member
has taken it once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.learning.exams.excel import ImportCheck, _kind_codes, _labels, check_row
from dangjian.learning.exams.models import QuestionBank

#: kind, question, options A–D, answer, explanation
QUESTIONS = [
    ("单选", "中国共产党成立于哪一年？", ("1919", "1921", "1927", "1949"), "B", "1921年7月党的一大召开。"),
    ("单选", "党的根本组织原则是什么？", ("民主集中制", "集体领导", "党管干部", "依法治国"), "A", ""),
    ("单选", "党员的党龄从什么时候算起？", ("提交入党申请书之日", "确定为积极分子之日", "预备期满转为正式党员之日",
                                   "支部大会通过之日"), "C", ""),
    ("单选", "“三会一课”中的“一课”指什么？", ("党课", "团课", "专题讲座", "政治理论课"), "A", ""),
    ("多选", "“三会一课”中的“三会”包括哪些？", ("支部党员大会", "支部委员会", "党小组会", "职工代表大会"), "ABC", ""),
    ("多选", "党员的义务包括哪些？", ("认真学习", "全心全意为人民服务", "按时交纳党费", "只享受权利"), "ABC", ""),
    ("多选", "党的三大优良作风是？", ("理论联系实际", "密切联系群众", "批评和自我批评", "形式主义"), "ABC", ""),
    ("判断", "党员应当按月交纳党费。", (), "对", ""),
    ("判断", "预备党员的预备期为两年。", (), "错", "预备期为一年。"),
    ("判断", "党支部是党的基础组织。", (), "对", ""),
    ("判断", "党员可以不参加党的组织生活。", (), "错", ""),
    ("填空", "党的最高理想和最终目标是实现____。", (), "共产主义|共产主义社会", ""),
    ("填空", "中国共产党以马克思列宁主义、毛泽东思想、邓小平理论、“三个代表”重要思想、科学发展观、____作为自己的行动指南。", (),
     "习近平新时代中国特色社会主义思想", ""),
    ("填空", "党的组织生活会一般每年召开____次。", (), "1|一", ""),
]


def demo_check() -> ImportCheck:
    labels, kinds = _labels("zh-hans"), _kind_codes()
    check = ImportCheck()
    for n, (kind, text, options, answer, explanation) in enumerate(QUESTIONS, start=2):
        cells = {"kind": kind, "text": text, "answer": answer, "explanation": explanation,
                 **{f"option_{letter}": o for letter, o in zip("ABCDEF", options, strict=False)}}
        data, errors = check_row(cells, labels, kinds)
        if errors:
            raise ValueError(f"demo question {n}: {errors}")
        check.rows.append({**data, "row": n})
    return check


def seed_exams(ctx: Any) -> None:
    from dangjian.learning.exams.actions import (
        do_create_bank,
        do_create_exam,
        do_import_questions,
        do_publish_exam,
        do_save_answers,
        do_start_attempt,
    )
    from dangjian.learning.exams.preparation import prepare_attempts

    admin, member = ctx.users.get("demo-admin"), ctx.users.get("demo-member")
    if admin is None or ctx.root is None or QuestionBank.objects.filter(org_path=ctx.root.path).exists():
        return
    bank = do_create_bank(ctx.root, {"title": "党章党规应知应会题库", "description": "县委组织部统一题库。"},
                          acting_user=admin)
    do_import_questions(bank, demo_check(), acting_user=admin)
    now = timezone.now()
    exam = do_create_exam(ctx.root, bank, {
        "title": "党章党规知识测试", "description": "全县党员参加，限时15分钟，可考两次，取最好成绩。",
        "single_count": 3, "multiple_count": 2, "true_false_count": 3, "fill_count": 2,
        "duration_minutes": 15, "max_attempts": 2, "pass_percent": 60,
        "opens_at": now - dt.timedelta(days=1), "closes_at": now + dt.timedelta(days=14)}, acting_user=admin)
    do_publish_exam(exam, acting_user=admin)
    if ctx.scale == "small":
        prepare_attempts(exam.pk)  # a county-size demo leaves it to the worker
    if member is not None:
        attempt = do_start_attempt(exam, acting_user=member)
        answers = {str(q): 0 for q in attempt.paper[:3]}  # three answers given, the rest left blank
        do_save_answers(attempt, answers, submit=True, acting_user=member)
