"""API: list, start, answers, result; errors {code, message, field}; nothing recorded on bad input."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.core.actions import do_issue_api_token
from dangjian.learning.exams import AttemptState
from dangjian.learning.exams.models import Attempt, Exam, Question

pytestmark = pytest.mark.django_db
BASE = "/api/v1/learning/exams"


def auth(user: Any) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {do_issue_api_token(user)}"}


def post(client: Client, url: str, body: Any, headers: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


def test_the_whole_journey(client: Client, tree: Any, users: Any, ex: Any, publish: Any,
                           django_assert_max_num_queries: Any) -> None:
    publish(ex.exam)
    h = auth(users.member)
    with django_assert_max_num_queries(8):
        r = client.get(f"{BASE}/exams", **h)
    body = r.json()
    assert r.status_code == 200 and body["count"] == 1
    item = body["items"][0]
    assert item["is_open"] and item["attempts_used"] == 0 and item["max_score"] == 10 and item["best_score"] is None
    r = post(client, f"{BASE}/exams/{ex.exam.pk}/start", {}, h)
    assert r.status_code == 200, r.content
    attempt = r.json()
    assert attempt["state"] == "running" and 590 <= attempt["seconds_left"] <= 600
    assert len(attempt["questions"]) == 5 and "answer" not in attempt["questions"][0]
    qs = Question.objects.in_bulk([q["id"] for q in attempt["questions"]])
    answers = {str(pk): (q.answer[0] if q.kind == "fill" else q.answer) for pk, q in qs.items()}
    # bad input: 400 naming the question; nothing recorded
    first = str(attempt["questions"][0]["id"])
    r = post(client, f"{BASE}/attempts/{attempt['id']}/answers", {"answers": {**answers, first: 99}}, h)
    assert r.status_code == 400 and r.json()["field"] == f"answers.{first}" and r.json()["code"]
    assert Attempt.objects.get(pk=attempt["id"]).answers == {}
    r = post(client, f"{BASE}/attempts/{attempt['id']}/answers", {"answers": answers, "sneaky": 1}, h)
    assert r.status_code == 422 and Attempt.objects.get(pk=attempt["id"]).answers == {}
    r = client.get(f"{BASE}/attempts/{attempt['id']}/result", **h)
    assert r.status_code == 409 and r.json()["code"] == "not_finished"
    r = post(client, f"{BASE}/attempts/{attempt['id']}/answers", {"answers": answers, "submit": True}, h)
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    r = client.get(f"{BASE}/attempts/{attempt['id']}/result", **h)
    result = r.json()
    assert result["score"] == 10 and result["passed"] and all(q["right"] for q in result["questions"])
    assert all(q["answer"] is None for q in result["questions"])  # the exam is still open
    r = post(client, f"{BASE}/attempts/{attempt['id']}/answers", {"answers": {}}, h)
    assert r.status_code == 409 and r.json()["code"] == "attempt_finished"
    r = post(client, f"{BASE}/exams/{ex.exam.pk}/start", {}, h)
    assert r.status_code == 409 and r.json()["code"] == "not_startable" and r.json()["field"] == "exam"
    # once the exam has closed, the result shows the right answers
    Exam.objects.filter(pk=ex.exam.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    result = client.get(f"{BASE}/attempts/{attempt['id']}/result", **h).json()
    assert all(q["answer"] is not None for q in result["questions"])


def test_time_up_is_refused_and_marked(client: Client, tree: Any, users: Any, ex: Any, publish: Any) -> None:
    publish(ex.exam)
    h = auth(users.member)
    attempt = post(client, f"{BASE}/exams/{ex.exam.pk}/start", {}, h).json()
    Attempt.objects.filter(pk=attempt["id"]).update(deadline=timezone.now() - dt.timedelta(minutes=5))
    r = post(client, f"{BASE}/attempts/{attempt['id']}/answers", {"answers": {}, "submit": True}, h)
    assert r.status_code == 409 and r.json()["code"] == "time_up" and r.json()["field"] == "answers"
    assert Attempt.objects.get(pk=attempt["id"]).state == AttemptState.EXPIRED


def test_others_attempts_and_exams_are_not_found(client: Client, tree: Any, users: Any, ex: Any,
                                                  publish: Any) -> None:
    publish(ex.exam)
    attempt = post(client, f"{BASE}/exams/{ex.exam.pk}/start", {}, auth(users.member)).json()
    other = auth(users.secretary)
    assert client.get(f"{BASE}/attempts/{attempt['id']}/result", **other).status_code == 404
    r = post(client, f"{BASE}/attempts/{attempt['id']}/answers", {"answers": {}}, other)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert client.get(f"{BASE}/exams", **other).json()["count"] == 0  # staff without a member record
    assert post(client, f"{BASE}/exams/{ex.exam.pk}/start", {}, other).status_code == 404
    assert client.get(f"{BASE}/exams").status_code == 401
