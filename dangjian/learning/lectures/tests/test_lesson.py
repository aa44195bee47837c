"""A finished lecture becomes a lesson of the party school: once, with the lecture's posts in
order, for the lecture's audience only, counted like an article."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.core.roles import Role
from dangjian.learning import CourseStatus, LessonKind
from dangjian.learning import progress as rules
from dangjian.learning.actions import do_record_progress
from dangjian.learning.lectures.actions import (
    do_answer_question,
    do_ask_question,
    do_finish_lecture,
    do_make_lecture_lesson,
    do_post_message,
    do_start_lecture,
)
from dangjian.learning.lectures.models import Lecture
from dangjian.learning.models import Course, Lesson
from dangjian.members.actions import do_link_account
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
M4A = b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 64


@pytest.fixture
def finished(users: Any, lecture: Any, lecturer: Any) -> dict[str, Any]:
    do_start_lecture(lecture, acting_user=lecturer)
    posts = {
        "text": do_post_message(lecture, text="第一部分：背景", acting_user=lecturer),
        "image": do_post_message(lecture, text="示意图", image=SimpleUploadedFile("a.png", PNG),
                                 acting_user=lecturer),
        "voice": do_post_message(lecture, voice=SimpleUploadedFile("a.m4a", M4A), duration_s="40",
                                 acting_user=lecturer),
    }
    asked = do_ask_question(lecture, "已回答的问题？", acting_user=users.member)
    do_ask_question(lecture, "没人回答的问题", acting_user=users.member)
    posts["answer"] = do_answer_question(asked, "这是回答。", acting_user=lecturer)
    posts["last"] = do_post_message(lecture, text="结束语", acting_user=lecturer)
    do_finish_lecture(lecture, acting_user=lecturer)
    lecture.refresh_from_db()
    return {"lecture": lecture, **posts}


def test_finishing_makes_exactly_one_lesson(users: Any, lecture: Any, lecturer: Any, finished: Any) -> None:
    lesson = Lesson.objects.get()
    assert lecture.lesson_id == lesson.pk
    assert lesson.kind == LessonKind.ARTICLE and lesson.title == lecture.title
    assert lesson.course.status == CourseStatus.PUBLISHED and lesson.course.org_path == lecture.org_path
    with pytest.raises(ValidationError):  # finishing again is refused and makes nothing
        do_finish_lecture(lecture, acting_user=lecturer)
    with pytest.raises(ValidationError) as exc:  # so is making a second lesson by hand
        do_make_lecture_lesson(lecture, acting_user=lecturer)
    assert "lesson" in exc.value.message_dict
    assert (Lesson.objects.count(), Course.objects.count()) == (1, 1)
    assert AuditEvent.objects.filter(action="lecture.lesson_made").count() == 1


def test_the_lesson_holds_the_posts_in_order(finished: Any) -> None:
    lecture, body = finished["lecture"], Lesson.objects.get().body
    image_url = reverse("lectures:file", args=[lecture.pk, finished["image"].pk])
    voice_url = reverse("lectures:file", args=[lecture.pk, finished["voice"].pk])
    marks = ["第一部分：背景", f'src="{image_url}"', "示意图", f'src="{voice_url}"', "已回答的问题？", "这是回答。",
             "结束语"]
    places = [body.find(m) for m in marks]
    assert -1 not in places and places == sorted(places), places
    assert "<audio controls" in body
    assert "没人回答的问题" not in body  # an unanswered question is not part of the lesson


def test_the_audience_learns_it_and_others_cannot(client: Any, tree: Any, users: Any, root_user: Any,
                                                  finished: Any) -> None:
    lecture = finished["lecture"]
    url = reverse("learning:lesson", args=[lecture.lesson_id])
    client.force_login(users.member)  # alice, of a branch under the lecture's town
    page = client.get(url).content.decode()
    assert "第一部分：背景" in page and "这是回答。" in page
    room = client.get(reverse("lectures:room", args=[lecture.pk])).content.decode()
    assert f'href="{url}"' in room
    image = client.get(reverse("lectures:file", args=[lecture.pk, finished["image"].pk]))
    assert image.status_code == 200  # the lesson's images are the lecture's files, open to its audience
    dave = make_user("member-dave", Role.MEMBER, tree.branch_b1, acting_user=root_user)
    do_link_account(tree.dave, dave, acting_user=root_user)  # a member of the other town
    for outsider in (dave, users.public):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.get(reverse("learning:course", args=[Lesson.objects.get().course_id])).status_code == 404


def test_the_lesson_counts_only_the_time_it_was_shown(users: Any, finished: Any) -> None:
    lesson = Lesson.objects.get()
    # the 40 s voice clip must be listened to, and the text read: the page counts no sooner
    assert lesson.page_seconds >= 40 + 5
    t0 = timezone.now()
    steps = range(0, lesson.page_seconds + 20, 10)
    outcomes = [do_record_progress(lesson, rules.Report(page=1), acting_user=users.member,
                                   received_at=t0 + dt.timedelta(seconds=s)) for s in steps]
    done_at = next(s for s, o in zip(steps, outcomes, strict=True) if o.completed)
    assert lesson.page_seconds <= done_at < lesson.page_seconds + 10


def test_an_older_finished_lecture_gets_its_lesson_by_hand(client: Any, users: Any, lecture: Any,
                                                           lecturer: Any, finished: Any) -> None:
    Lesson.objects.all().delete()  # as before lessons were made (the link is cleared)
    lecture.refresh_from_db()
    assert lecture.lesson_id is None
    with pytest.raises(PermissionDenied):
        do_make_lecture_lesson(lecture, acting_user=users.member)
    client.force_login(lecturer)
    assert 'id="make-lesson"' in client.get(reverse("lectures:room", args=[lecture.pk])).content.decode()
    client.post(reverse("lectures:make_lesson", args=[lecture.pk]))
    assert Lecture.objects.get(pk=lecture.pk).lesson_id == Lesson.objects.get().pk
