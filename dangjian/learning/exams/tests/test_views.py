"""Member pages (take a quiz by form posts), editor pages (banks, new exam, results on screen and
in Excel), permissions, bounded queries."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangjian.learning.exams import AttemptState, ExamStatus
from dangjian.learning.exams.actions import do_save_answers, do_start_attempt
from dangjian.learning.exams.models import Attempt, Exam, Question, QuestionBank

pytestmark = pytest.mark.django_db


def test_member_takes_a_quiz_through_the_pages(client: Any, tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    client.force_login(users.member)
    r = client.get(reverse("exams:mine"))
    assert r.status_code == 200 and "党章测试" in r.content.decode()
    r = client.get(reverse("exams:exam", args=[ex.exam.pk]))
    assert 'id="start-exam"' in r.content.decode()
    r = client.post(reverse("exams:start", args=[ex.exam.pk]))
    attempt = Attempt.objects.get(exam=ex.exam, member=tree.alice)
    assert r.status_code == 302 and r["Location"] == reverse("exams:attempt", args=[attempt.pk])
    page = client.get(r["Location"]).content.decode()
    assert 'id="exam-clock" data-remaining="' in page
    qs = Question.objects.in_bulk(attempt.paper)
    form: dict[str, Any] = {}
    for pk in attempt.paper:
        q = qs[pk]
        if q.kind == "single":
            form[f"q{pk}"] = str(q.answer)
        elif q.kind == "multiple":
            form[f"q{pk}"] = [str(i) for i in q.answer]
        elif q.kind == "true_false":
            form[f"q{pk}"] = "true" if q.answer else "false"
        else:
            form[f"q{pk}"] = q.answer[0]
    bad = {**form, f"q{attempt.paper[0]}": "7"}
    r = client.post(reverse("exams:attempt", args=[attempt.pk]), {**bad, "save": "1"})
    assert r.status_code == 400
    attempt.refresh_from_db()
    assert attempt.answers == {}
    r = client.post(reverse("exams:attempt", args=[attempt.pk]), {**form, "save": "1"})
    assert r.status_code == 302
    attempt.refresh_from_db()
    assert len(attempt.answers) == 5 and attempt.state == AttemptState.RUNNING
    r = client.post(reverse("exams:attempt", args=[attempt.pk]), {**form, "submit": "1"})
    assert r["Location"] == reverse("exams:result", args=[attempt.pk])
    body = client.get(r["Location"]).content.decode()
    assert "10 分 / 满分 10" in body and "合格" in body
    assert "考试结束后在此显示正确答案" in body  # the exam is still open for others
    # the attempt page of a finished attempt goes to the result
    assert client.get(reverse("exams:attempt", args=[attempt.pk]))["Location"].endswith("/result/")


def test_an_expired_attempt_is_marked_when_its_page_is_opened(client: Any, tree: Any, users: Any, ex: Any,
                                                              publish: Any) -> None:
    publish(ex.exam)
    attempt = do_start_attempt(ex.exam, acting_user=users.member, now=timezone.now() - dt.timedelta(hours=1))
    client.force_login(users.member)
    r = client.get(reverse("exams:attempt", args=[attempt.pk]))
    assert r.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.EXPIRED


def test_attempts_are_private_and_exams_scoped(client: Any, tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    attempt = do_start_attempt(ex.exam, acting_user=users.member)
    client.force_login(users.secretary)
    assert client.get(reverse("exams:attempt", args=[attempt.pk])).status_code == 404
    assert client.get(reverse("exams:result", args=[attempt.pk])).status_code == 404
    client.force_login(users.member)
    draft = Exam.objects.create(organization=tree.county, org_path=tree.county.path, bank=ex.bank, title="草稿",
                                single_count=1, opens_at=timezone.now(), closes_at=timezone.now() + dt.timedelta(days=1))
    assert client.get(reverse("exams:exam", args=[draft.pk])).status_code == 404
    for name in ("exams:banks", "exams:exams", "exams:bank_new", "exams:exam_new"):
        assert client.get(reverse(name)).status_code == 403
    assert client.get(reverse("exams:results", args=[ex.exam.pk])).status_code == 403
    client.force_login(users.public)  # no member record: exams are not for them
    assert client.get(reverse("exams:mine")).status_code == 403


def test_editor_builds_a_bank_and_an_exam(client: Any, tree: Any, users: Any, ex: Any) -> None:
    client.force_login(users.organizer)
    r = client.post(reverse("exams:bank_new"), {"organization": tree.town_a.pk, "title": "甲镇题库"})
    bank = QuestionBank.objects.get(title="甲镇题库")
    assert r.status_code == 302 and bank.org_path == tree.town_a.path
    r = client.post(reverse("exams:bank_new"), {"organization": tree.town_b.pk, "title": "越权"})
    assert r.status_code == 400 and not QuestionBank.objects.filter(title="越权").exists()
    assert "应知应会" in client.get(reverse("exams:banks")).content.decode()  # the county's bank, from above
    now = timezone.localtime()
    data = {"organization": tree.town_a.pk, "bank": ex.bank.pk, "title": "甲镇测验", "single_count": 5,
            "multiple_count": 0, "true_false_count": 2, "fill_count": 0, "single_points": 2, "multiple_points": 3,
            "true_false_points": 1, "fill_points": 2, "pass_percent": 60, "duration_minutes": 20, "max_attempts": 1,
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"), "closes_at": (now + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}
    r = client.post(reverse("exams:exam_new"), data)
    assert r.status_code == 400 and "只有 3 道" in r.content.decode()
    r = client.post(reverse("exams:exam_new"), {**data, "single_count": 3})
    exam = Exam.objects.get(title="甲镇测验")
    assert r.status_code == 302 and exam.status == ExamStatus.DRAFT and exam.org_path == tree.town_a.path
    with_publish = client.post(reverse("exams:publish", args=[exam.pk]))
    assert with_publish.status_code == 302
    exam.refresh_from_db()
    assert exam.status == ExamStatus.PUBLISHED and exam.audience_size == 3


def test_results_on_screen_and_in_excel(client: Any, tree: Any, users: Any, ex: Any, publish: Any,
                                        django_assert_max_num_queries: Any) -> None:
    publish(ex.exam)
    attempt = do_start_attempt(ex.exam, acting_user=users.member)
    do_save_answers(attempt, {str(attempt.paper[0]): 0}, submit=True, acting_user=users.member)
    client.force_login(users.admin)
    with django_assert_max_num_queries(25):
        r = client.get(reverse("exams:results", args=[ex.exam.pk]))
    body = r.content.decode()
    assert r.status_code == 200 and "张爱丽" in body and "赵大伟" in body and 'id="org-results"' in body
    r = client.get(reverse("exams:results_xlsx", args=[ex.exam.pk]))
    wb = load_workbook(io.BytesIO(r.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    alice = next(row for row in rows if row[0] == "张爱丽")
    assert alice[2] == 1 and alice[3] == attempt.score and alice[4] == 10
    orgs = {row[0]: row for row in wb.worksheets[1].iter_rows(values_only=True)}
    assert orgs["甲镇一村党支部"][1] == 1
    # the secretary of branch A1 sees only the branch's members
    client.force_login(users.secretary)
    body = client.get(reverse("exams:results", args=[ex.exam.pk]))
    assert body.status_code == 404  # the county's exam is outside the branch's scope


def test_member_list_queries_do_not_grow_with_the_page(client: Any, tree: Any, users: Any, ex: Any, publish: Any,
                                                        django_assert_max_num_queries: Any) -> None:
    publish(ex.exam)
    client.force_login(users.member)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("exams:mine")).status_code == 200
