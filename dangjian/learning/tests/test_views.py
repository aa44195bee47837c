"""Pages of the party school: learners' pages, the editor pages, the member-home item."""

from __future__ import annotations

from typing import Any

from django.test import Client

from dangjian.core.hooks import home_items
from dangjian.learning import CourseStatus
from dangjian.learning.actions import do_record_progress, do_save_course
from dangjian.learning.models import Course, LearningPlan, PlanCourse
from dangjian.learning.progress import Report
from dangjian.learning.tests.conftest import at


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_learner_pages(school: Any, users: Any, django_assert_max_num_queries: Any) -> None:
    c = login(users.member)
    with django_assert_max_num_queries(25):
        page = c.get("/learning/")
    assert page.status_code == 200 and "学习二十大精神" in page.content.decode()
    course = c.get(f"/learning/c/{school.county.pk}/").content.decode()
    assert "开篇视频" in course and "原文导读" in course
    lesson = c.get(f"/learning/l/{school.video.pk}/")
    html = lesson.content.decode()
    assert lesson.status_code == 200 and f'/learning/m/{school.video.pk}/small/' in html and "player.js" in html
    assert 'data-position="0.0"' in html
    article = c.get(f"/learning/l/{school.article.pk}/?page=2").content.decode()
    assert "第一页" in article and 'data-page="2"' in article
    assert c.get(f"/learning/c/{school.a2.pk}/").status_code == 404
    assert login(users.public).get(f"/learning/l/{school.video.pk}/").status_code == 404


def test_sound_only_mode_for_weak_networks(school: Any, users: Any) -> None:
    from dangjian.learning.models import Lesson

    c = login(users.member)
    url = f"/learning/l/{school.video.pk}/"
    assert 'id="audio-only"' not in c.get(url).content.decode()  # no sound track converted: no link
    Lesson.objects.filter(pk=school.video.pk).update(audio="learning/x/audio.m4a")
    video = c.get(url).content.decode()
    assert 'id="audio-only"' in video and "<video" in video
    sound = c.get(url, {"audio": "1"}).content.decode()
    assert "<video" not in sound and "<audio" in sound and f"/learning/m/{school.video.pk}/audio/" in sound


def test_the_lesson_page_resumes_where_the_learner_left_off(school: Any, users: Any) -> None:
    for t, pos in ((0, 0), (10, 10), (20, 20)):
        do_record_progress(school.video, Report(position_s=pos, start_s=max(pos - 10, 0)), acting_user=users.member,
                           received_at=at(t))
    html = login(users.member).get(f"/learning/l/{school.video.pk}/").content.decode()
    assert 'data-position="20.0"' in html


def test_member_home_offers_to_continue(school: Any, users: Any, rf: Any) -> None:
    request = rf.get("/")
    request.user = users.member
    assert not [i for i in home_items(request) if "开篇视频" in i["title"]]
    do_record_progress(school.video, Report(position_s=0, start_s=0), acting_user=users.member, received_at=at(0))
    do_record_progress(school.video, Report(position_s=75, start_s=65), acting_user=users.member, received_at=at(5))
    items = [i for i in home_items(request) if "开篇视频" in i["title"]]
    assert items and items[0]["url"] == f"/learning/l/{school.video.pk}/" and "1:15" in items[0]["body"]


def test_editor_pages_need_the_role(school: Any, users: Any) -> None:
    assert login(users.member).get("/learning/manage/").status_code == 403
    admin = login(users.admin)
    for url in ("/learning/manage/", "/learning/manage/courses/new/", f"/learning/manage/courses/{school.county.pk}/",
                f"/learning/manage/lessons/{school.video.pk}/", f"/learning/manage/courses/{school.a2.pk}/lessons/new/",
                "/learning/manage/plans/new/"):
        assert admin.get(url).status_code == 200, url
    assert login(users.organizer).get(f"/learning/manage/courses/{school.county.pk}/").status_code == 404


def test_the_uploader_sees_the_conversions_progress_and_its_failure(school: Any, users: Any) -> None:
    from dangjian.learning import MediaState
    from dangjian.learning.models import Lesson

    admin = login(users.admin)
    Lesson.objects.filter(pk=school.video.pk).update(media_state=MediaState.PROCESSING, media_progress=42)
    page = admin.get(f"/learning/manage/lessons/{school.video.pk}/").content.decode()
    assert "42 %" in page.split('id="media-state"')[1].split("</p>")[0]
    assert "42 %" in admin.get(f"/learning/manage/courses/{school.county.pk}/").content.decode()
    Lesson.objects.filter(pk=school.video.pk).update(media_state=MediaState.FAILED, media_error="moov atom not found")
    page = admin.get(f"/learning/manage/lessons/{school.video.pk}/").content.decode()
    assert 'id="media-error"' in page and "moov atom not found" in page


def test_an_editor_builds_a_course_and_a_branch_adopts_it(school: Any, users: Any, tree: Any) -> None:
    admin = login(users.admin)
    r = admin.post("/learning/manage/courses/new/", {"org": tree.county.pk, "title": "", "visibility": "subtree"})
    assert r.status_code == 200 and not Course.objects.filter(title="").exists()
    r = admin.post("/learning/manage/courses/new/", {"org": tree.county.pk, "title": "新课", "visibility": "subtree"})
    course = Course.objects.get(title="新课")
    assert r.status_code == 302 and course.status == CourseStatus.DRAFT
    r = admin.post(f"/learning/manage/courses/{course.pk}/lessons/new/",
                   {"kind": "article", "title": "第一课", "estimated_minutes": 5, "body": "<p>正文</p>", "page_count": 1})
    assert r.status_code == 302
    admin.post(f"/learning/manage/courses/{course.pk}/publish/")
    course.refresh_from_db()
    assert course.status == CourseStatus.PUBLISHED
    sec = login(users.secretary)
    r = sec.post("/learning/manage/plans/new/", {"org": tree.branch_a1.pk, "title": "季度学习", "due_on": "2026-12-31"})
    plan = LearningPlan.objects.get(title="季度学习")
    page = sec.get(f"/learning/manage/plans/{plan.pk}/").content.decode()
    assert "新课" in page and "学习二十大精神" in page and "二村支部微党课" not in page
    sec.post(f"/learning/manage/plans/{plan.pk}/courses/", {"course": course.pk})
    assert PlanCourse.objects.get(plan=plan).adopted is True
    r = sec.post(f"/learning/manage/plans/{plan.pk}/courses/", {"course": school.a2.pk})
    assert PlanCourse.objects.filter(plan=plan).count() == 1


def test_a_course_page_shows_why_it_cannot_be_published(users: Any, tree: Any) -> None:
    course = do_save_course(tree.county, {"title": "空课"}, acting_user=users.admin)
    html = login(users.admin).get(f"/learning/manage/courses/{course.pk}/").content.decode()
    assert 'id="publish-problems"' in html
