"""The API of the party school: the course list, progress reports and their errors."""

from __future__ import annotations

import json
import time
from typing import Any

from django.test import Client

from dangjian.learning import LessonKind
from dangjian.learning.actions import do_publish_course, do_save_course, do_save_lesson
from dangjian.learning.models import LessonProgress, ProgressReceipt
from dangjian.learning.tests.conftest import ready_media

BASE = "/api/v1/learning"


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_courses_visible_to_the_caller_with_their_lessons(school: Any, users: Any) -> None:
    c = Client()
    c.force_login(users.member)
    body = c.get(f"{BASE}/courses").json()
    assert body["count"] == 2
    county = next(x for x in body["items"] if x["title"] == "学习二十大精神")
    video, article = county["lessons"]
    assert (video["kind"], video["duration_s"], video["media_url"]) == (
        "video", 600.0, f"/learning/m/{school.video.pk}/small/")
    assert (article["kind"], article["page_count"], article["media_url"]) == ("article", 2, None)
    c.force_login(users.public)
    assert [x["title"] for x in c.get(f"{BASE}/courses").json()["items"]] == ["公开课"]
    assert Client().get(f"{BASE}/courses").status_code == 401


def test_course_list_has_bounded_queries(school: Any, users: Any, tree: Any,
                                         django_assert_max_num_queries: Any) -> None:
    for n in range(12):
        course = do_save_course(tree.county, {"title": f"课程{n}"}, acting_user=users.admin)
        for k in range(3):
            lesson = do_save_lesson(course, {"kind": LessonKind.VIDEO, "title": f"第{k}讲"}, acting_user=users.admin)
            ready_media(lesson, 60)
        do_publish_course(course, acting_user=users.admin)
    c = Client()
    c.force_login(users.member)
    with django_assert_max_num_queries(10):
        body = c.get(f"{BASE}/courses?page_size=50").json()
    assert body["count"] == 14 and len(body["items"]) == 14
    assert c.get(f"{BASE}/courses?page=2&page_size=10").json()["items"][0]["lessons"]


def test_progress_report_answers_credit_and_coverage(school: Any, users: Any) -> None:
    c = Client()
    c.force_login(users.member)
    first = post(c, f"{BASE}/progress", {"lesson": school.video.pk, "position_s": 0, "start_s": 0})
    assert first.status_code == 200, first.content
    assert first.json() == {"lesson": school.video.pk, "credited_s": 0.0, "coverage": 0.0, "completed": False,
                            "position_s": 0.0, "duplicate": False, "stale": False}
    time.sleep(1.1)
    out = post(c, f"{BASE}/progress", {"lesson": school.video.pk, "position_s": 1, "start_s": 0}).json()
    assert out["credited_s"] == 1.0 and out["position_s"] == 1.0
    jump = post(c, f"{BASE}/progress", {"lesson": school.video.pk, "position_s": 600, "start_s": 1}).json()
    assert jump["credited_s"] == 0 and jump["completed"] is False
    resume = c.get(f"{BASE}/lessons/{school.video.pk}/progress").json()
    assert resume["position_s"] == 600 and resume["completion_coverage"] == 0.9


def test_bad_progress_reports_are_refused_with_the_field_and_nothing_recorded(school: Any, users: Any) -> None:
    c = Client()
    c.force_login(users.member)
    cases = [
        ({"lesson": 10**9, "position_s": 1}, 404, "lesson"),
        ({"lesson": school.a2.pk * 0 + 10**6, "position_s": 1}, 404, "lesson"),
        ({"lesson": school.video.pk, "position_s": -1}, 400, "position_s"),
        ({"lesson": school.video.pk, "position_s": 1e9}, 400, "position_s"),
        ({"lesson": school.video.pk, "position_s": 5, "rate": 0}, 400, "rate"),
        ({"lesson": school.video.pk, "position_s": 5, "start_s": 9}, 400, "start_s"),
        ({"lesson": school.article.pk, "page": 9}, 400, "page"),
        ({"lesson": school.video.pk, "position_s": 5, "ended": True}, 422, "ended"),
        ({"lesson": school.video.pk, "position_s": "end"}, 422, "position_s"),
    ]
    for body, status, field in cases:
        answer = post(c, f"{BASE}/progress", body)
        assert answer.status_code == status, (body, answer.content)
        assert answer.json()["field"] == field and answer.json()["code"] and answer.json()["message"]
    # a lesson of a course the caller may not see: the same answer as one that does not exist
    hidden = do_save_lesson(school.a2, {"kind": LessonKind.ARTICLE, "title": "x", "body": "<p>y</p>"},
                            acting_user=users.admin)
    answer = post(c, f"{BASE}/progress", {"lesson": hidden.pk, "page": 1})
    assert answer.status_code == 404 and answer.json()["field"] == "lesson"
    assert not LessonProgress.objects.exists()


def test_offline_batch_is_idempotent_and_all_or_nothing(school: Any, users: Any) -> None:
    c = Client()
    c.force_login(users.member)
    reports = [{"id": f"r{n}", "lesson": school.video.pk, "position_s": (n + 1) * 10, "start_s": n * 10,
                "at": "2026-12-07T09:00:00+08:00"} for n in range(3)]
    bad = post(c, f"{BASE}/progress/batch", {"reports": [*reports, {**reports[0], "id": "x", "position_s": -1}]})
    assert bad.status_code == 400 and bad.json()["field"] == "reports[3].position_s"
    assert not ProgressReceipt.objects.exists()
    ok = post(c, f"{BASE}/progress/batch", {"reports": reports})
    assert ok.status_code == 200, ok.content
    # no earlier report from the server's view: nothing to measure the time against, nothing credited
    assert sum(r["credited_s"] for r in ok.json()["results"]) == 0
    again = post(c, f"{BASE}/progress/batch", {"reports": reports}).json()
    assert all(r["duplicate"] for r in again["results"])
    assert ProgressReceipt.objects.count() == 3
    missing = post(c, f"{BASE}/progress/batch", {"reports": [{k: v for k, v in reports[0].items() if k != "id"}]})
    assert missing.status_code == 422


def test_a_late_report_of_the_same_device_is_answered_stale_and_ignored(school: Any, users: Any) -> None:
    c = Client()
    c.force_login(users.member)
    url = f"{BASE}/progress"
    body = {"lesson": school.video.pk, "device": "phone-1"}
    assert post(c, url, {**body, "position_s": 0, "start_s": 0, "seq": 5}).json()["stale"] is False
    assert post(c, url, {**body, "position_s": 30, "start_s": 30, "seq": 7}).json()["position_s"] == 30
    late = post(c, url, {**body, "position_s": 1, "start_s": 0, "seq": 6})
    assert late.status_code == 200 and late.json()["stale"] is True and late.json()["position_s"] == 30
    assert c.get(f"{BASE}/lessons/{school.video.pk}/progress").json()["position_s"] == 30
    bad = post(c, url, {**body, "position_s": 1, "seq": -1})
    assert bad.status_code in (400, 422) and LessonProgress.objects.get().position_s == 30
