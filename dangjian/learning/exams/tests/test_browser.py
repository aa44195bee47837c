"""In Chromium at 360×640: a member takes a quiz (start, answer every kind, submit) and sees the
score; the paper fits the phone's width."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.learning.exams import AttemptState
from dangjian.learning.exams.models import Attempt, Question
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 640}


def test_member_takes_a_quiz_on_a_phone(live_server: Any, chromium: Any, tree: Any, users: Any, ex: Any,
                                        publish: Any) -> None:
    publish(ex.exam)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        login(page, live_server.url, users.member.username, PASSWORD)
        page.goto(f"{live_server.url}/learning/exams/")
        page.click(f"#my-exams a[href='/learning/exams/{ex.exam.pk}/']")
        page.click("#start-exam")
        page.wait_for_selector("#exam-paper")
        assert page.text_content("#exam-clock").strip().startswith(("10:00", "9:5"))
        attempt = Attempt.objects.get(exam=ex.exam, member=tree.alice)
        for qid in attempt.paper:
            q = Question.objects.get(pk=qid)
            if q.kind == "single":
                page.check(f"input[name=q{qid}][value='{q.answer}']")
            elif q.kind == "multiple":
                for i in q.answer:
                    page.check(f"input[name=q{qid}][value='{i}']")
            elif q.kind == "true_false":
                page.check(f"input[name=q{qid}][value='{'true' if q.answer else 'false'}']")
            else:
                page.fill(f"input[name=q{qid}]", q.answer[-1])
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        page.click("#submit-answers")
        page.wait_for_selector("#exam-score")
        assert "10 分 / 满分 10" in page.text_content("#exam-score")
        attempt.refresh_from_db()
        assert attempt.state == AttemptState.SUBMITTED and attempt.score == 10
        assert problems == []
    finally:
        context.close()
