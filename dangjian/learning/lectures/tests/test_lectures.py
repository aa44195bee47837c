"""Live lectures: who may do what, posting text, images and voice clips, questions answered and
pinned, following by polling (only what is new, bounded queries), the replay."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.learning.lectures import LectureStatus, MessageKind
from dangjian.learning.lectures.actions import (
    do_answer_question,
    do_ask_question,
    do_create_lecture,
    do_finish_lecture,
    do_pin_message,
    do_post_message,
    do_start_lecture,
)
from dangjian.learning.lectures.models import Message
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
M4A = b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 64


def test_creating_needs_scope_and_a_real_lecturer(tree: Any, users: Any) -> None:
    data = {"title": "党课", "lecturer": "secretary-a1", "starts_at": "2026-12-08T10:00"}
    with pytest.raises(PermissionDenied):
        do_create_lecture(tree.town_b, data, acting_user=users.organizer)
    with pytest.raises(ValidationError) as exc:
        do_create_lecture(tree.town_a, {**data, "lecturer": "nobody-here"}, acting_user=users.organizer)
    assert "lecturer" in exc.value.message_dict


def test_a_live_lecture_from_start_to_replay(tree: Any, users: Any, lecture: Any, lecturer: Any) -> None:
    with pytest.raises(ValidationError):  # not live yet
        do_post_message(lecture, text="早", acting_user=lecturer)
    with pytest.raises(PermissionDenied):
        do_start_lecture(lecture, acting_user=users.member)
    do_start_lecture(lecture, acting_user=lecturer)
    assert lecture.status == LectureStatus.LIVE
    text = do_post_message(lecture, text="同志们好", acting_user=lecturer)
    image = do_post_message(lecture, text="图", image=SimpleUploadedFile("a.png", PNG), acting_user=lecturer)
    voice = do_post_message(lecture, voice=SimpleUploadedFile("a.m4a", M4A), duration_s="12", acting_user=lecturer)
    assert (text.kind, image.kind, image.content_type, voice.kind, voice.duration_s) == (
        "text", "image", "image/png", "voice", 12)
    with pytest.raises(PermissionDenied):
        do_post_message(lecture, text="冒充", acting_user=users.member)
    question = do_ask_question(lecture, "请问如何学习？", acting_user=users.member)
    with pytest.raises(PermissionDenied):
        do_ask_question(lecture, "我也问", acting_user=users.secretary)  # staff, no member record
    answer = do_answer_question(question, "原原本本学。", pin=True, acting_user=lecturer)
    question.refresh_from_db()
    assert answer.reply_to == question and question.pinned
    with pytest.raises(PermissionDenied):
        do_pin_message(text, True, acting_user=users.member)
    do_finish_lecture(lecture, acting_user=users.organizer)
    with pytest.raises(ValidationError):
        do_ask_question(lecture, "结束后问", acting_user=users.member)
    assert [m.kind for m in Message.objects.filter(lecture=lecture)] == [
        MessageKind.TEXT, MessageKind.IMAGE, MessageKind.VOICE, MessageKind.QUESTION, MessageKind.ANSWER]
    assert AuditEvent.objects.filter(action="lecture_message.posted").count() == 5


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"text": ""}, "text"), ({"text": "x" * 2001}, "text"),
    ({"image": SimpleUploadedFile("a.png", b"GIF89a....")}, "image"),
    ({"voice": SimpleUploadedFile("a.exe", b"MZ\x90\x00")}, "voice"),
    ({"voice": SimpleUploadedFile("a.m4a", M4A), "duration_s": "61"}, "duration_s"),
    ({"voice": SimpleUploadedFile("a.m4a", M4A)}, "duration_s")])
def test_bad_posts_name_the_field_and_write_nothing(tree: Any, users: Any, lecture: Any, lecturer: Any,
                                                    kwargs: dict[str, Any], field: str) -> None:
    do_start_lecture(lecture, acting_user=lecturer)
    with pytest.raises(ValidationError) as exc:
        do_post_message(lecture, acting_user=lecturer, **kwargs)
    assert field in exc.value.message_dict and not Message.objects.exists()


def test_followers_poll_for_what_is_new(client: Any, tree: Any, users: Any, lecture: Any, lecturer: Any,
                                        django_assert_max_num_queries: Any) -> None:
    do_start_lecture(lecture, acting_user=lecturer)
    first = do_post_message(lecture, text="第一条", acting_user=lecturer)
    client.force_login(users.member)
    page = client.get(reverse("lectures:room", args=[lecture.pk])).content.decode()
    assert "第一条" in page and f'data-after="{first.pk}"' in page and 'id="ask-form"' in page
    for n in range(30):
        do_post_message(lecture, text=f"消息{n}", acting_user=lecturer)
    url = reverse("lectures:feed", args=[lecture.pk])
    with django_assert_max_num_queries(8):
        body = client.get(url, {"after": first.pk, "v": lecture.version + 1}).json()
    assert [m["text"] for m in body["messages"]] == [f"消息{n}" for n in range(30)]
    version = body["version"]
    with django_assert_max_num_queries(8) as queries:
        quiet = client.get(url, {"after": body["messages"][-1]["id"], "v": version})
    # nothing new, and this follower passed the access check a moment ago: 204 from the cache
    # (pollcache), no query of the lectures at all
    assert quiet.status_code == 204 and quiet.content == b""
    assert not [q for q in queries.captured_queries if "lectures_" in q["sql"]]
    cache.clear()  # a cold cache: the full check, and "nothing new" from the lecture's row alone
    with django_assert_max_num_queries(8) as queries:
        cold = client.get(url, {"after": body["messages"][-1]["id"], "v": version}).json()
    assert cold["messages"] == [] and "pinned" not in cold
    assert not [q for q in queries.captured_queries if "lectures_message" in q["sql"]]
    # a question raises the head too: the next poll brings it
    do_ask_question(lecture, "请问", acting_user=users.member)
    asked = client.get(url, {"after": body["messages"][-1]["id"], "v": version}).json()
    assert [m["text"] for m in asked["messages"]] == ["请问"]
    do_pin_message(first, True, acting_user=lecturer)
    changed = client.get(url, {"after": asked["messages"][-1]["id"], "v": version}).json()
    assert changed["pinned"] == [first.pk]
    assert client.get(url, {"after": "x"}).status_code == 400


def test_the_room_is_closed_to_others_and_replays_after_the_end(client: Any, tree: Any, users: Any,
                                                                lecture: Any, lecturer: Any) -> None:
    do_start_lecture(lecture, acting_user=lecturer)
    do_post_message(lecture, text="要点", acting_user=lecturer)
    do_finish_lecture(lecture, acting_user=lecturer)
    client.force_login(users.public)
    assert client.get(reverse("lectures:index")).status_code == 403
    assert client.get(reverse("lectures:room", args=[lecture.pk])).status_code == 404
    assert client.get(reverse("lectures:feed", args=[lecture.pk])).status_code == 404
    client.force_login(users.member)
    page = client.get(reverse("lectures:room", args=[lecture.pk])).content.decode()
    assert "要点" in page and 'id="replay-note"' in page and 'data-poll="0"' in page and "ask-form" not in page


def test_files_reach_the_audience_only(client: Any, tree: Any, users: Any, lecture: Any, lecturer: Any) -> None:
    do_start_lecture(lecture, acting_user=lecturer)
    image = do_post_message(lecture, image=SimpleUploadedFile("a.png", PNG), acting_user=lecturer)
    url = reverse("lectures:file", args=[lecture.pk, image.pk])
    client.force_login(users.member)
    r = client.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == PNG
    client.force_login(users.public)
    assert client.get(url).status_code == 404


def test_lecturer_pages_post_answer_and_pin(client: Any, tree: Any, users: Any, lecture: Any, lecturer: Any) -> None:
    client.force_login(lecturer)
    client.post(reverse("lectures:start", args=[lecture.pk]))
    client.post(reverse("lectures:post", args=[lecture.pk]), {"text": "开讲"})
    client.post(reverse("lectures:post", args=[lecture.pk]),
                {"text": "", "image": io.BytesIO(PNG)})  # a file without a name: refused cleanly
    lecture.refresh_from_db()
    question = do_ask_question(lecture, "问一个", acting_user=users.member)
    client.post(reverse("lectures:answer", args=[lecture.pk, question.pk]), {"text": "答一个", "pin": "1"})
    page = client.get(reverse("lectures:room", args=[lecture.pk])).content.decode()
    assert "开讲" in page and "答一个" in page and 'id="post-form"' in page
    question.refresh_from_db()
    assert question.pinned


def test_api_feed_and_questions(client: Any, tree: Any, users: Any, lecture: Any, lecturer: Any) -> None:
    from dangjian.core.actions import do_issue_api_token

    h = {"HTTP_AUTHORIZATION": f"Bearer {do_issue_api_token(users.member)}"}
    base = "/api/v1/learning/lectures"
    assert client.get(f"{base}/lectures", **h).json()["count"] == 1
    r = client.post(f"{base}/lectures/{lecture.pk}/questions", json.dumps({"text": "早问"}),
                    content_type="application/json", **h)
    assert r.status_code == 400 and r.json()["field"] == "lecture" and not Message.objects.exists()
    do_start_lecture(lecture, acting_user=lecturer)
    r = client.post(f"{base}/lectures/{lecture.pk}/questions", json.dumps({"text": " "}),
                    content_type="application/json", **h)
    assert r.status_code == 400 and r.json()["field"] == "text" and not Message.objects.exists()
    r = client.post(f"{base}/lectures/{lecture.pk}/questions", json.dumps({"text": "问题"}),
                    content_type="application/json", **h)
    assert r.status_code == 201 and r.json()["kind"] == "question"
    feed = client.get(f"{base}/lectures/{lecture.pk}/messages", {"after": 0}, **h).json()
    assert feed["status"] == "live" and [m["text"] for m in feed["messages"]] == ["问题"]
    other = {"HTTP_AUTHORIZATION": f"Bearer {do_issue_api_token(users.public)}"}
    assert client.get(f"{base}/lectures/{lecture.pk}/messages", **other).status_code == 404


def test_a_lecturer_who_is_neither_member_nor_editor_is_told_and_gets_in(
        client: Any, tree: Any, users: Any, root_user: Any, django_capture_on_commit_callbacks: Any) -> None:
    """The navigation shows live lectures to members and editors without a query of its own; a
    lecturer account that is neither learns of the lecture from its inbox, with the room's link,
    and may open the list and the room."""
    from dangjian.core.models import Notification
    from dangjian.learning.lectures.selectors import sees_lectures

    make_user("guest-lecturer", None, None, acting_user=root_user)
    with django_capture_on_commit_callbacks(execute=True):
        lecture = do_create_lecture(tree.town_a, {"title": "专家讲党课", "lecturer": "guest-lecturer",
                                                  "starts_at": timezone.now() + dt.timedelta(hours=1)},
                                    acting_user=users.organizer)
    guest = lecture.lecturer
    assert not sees_lectures(guest)
    (note,) = Notification.objects.filter(recipient=guest, kind="lectures.lecturer")
    assert note.url == reverse("lectures:room", args=[lecture.pk]) and "专家讲党课" in note.title
    client.force_login(guest)
    assert client.get(reverse("lectures:index")).status_code == 200
    assert client.get(note.url).status_code == 200
    client.force_login(users.discipline)  # neither member, editor nor lecturer
    assert client.get(reverse("lectures:index")).status_code == 403


def test_the_cheap_poll_refuses_others_and_misses_nothing(client: Any, tree: Any, users: Any, root_user: Any,
                                                          lecture: Any, lecturer: Any,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    from dangjian.core.roles import Role
    from dangjian.members.actions import do_link_account

    do_start_lecture(lecture, acting_user=lecturer)
    last = do_post_message(lecture, text="第一条", acting_user=lecturer)
    lecture.refresh_from_db()
    url = reverse("lectures:feed", args=[lecture.pk])
    quiet = {"after": last.pk, "v": lecture.version}
    client.force_login(users.member)
    assert client.get(url, quiet).status_code == 200  # the full check, then remembered
    assert client.get(url, quiet).status_code == 204  # the cheap path
    # the cache holds the room's head now, but not these users' passes: refused as before
    dave = make_user("member-dave", Role.MEMBER, tree.branch_b1, acting_user=root_user)
    do_link_account(tree.dave, dave, acting_user=root_user)
    for outsider in (dave, users.public):
        client.force_login(outsider)
        assert client.get(url, quiet).status_code == 404
        assert client.get(url, quiet).status_code == 404  # and again (a refusal is never remembered)
    client.logout()
    assert client.get(url, quiet).status_code == 302  # to the sign-in page
    # a new post is seen on the very next poll — its commit sets the new head
    client.force_login(users.member)
    with django_capture_on_commit_callbacks(execute=True):
        new = do_post_message(lecture, text="新的一条", acting_user=lecturer)
    body = client.get(url, quiet).json()
    assert [m["text"] for m in body["messages"]] == ["新的一条"]
    assert client.get(url, {"after": new.pk, "v": lecture.version}).status_code == 204
    # a change of version (the end) is never answered "nothing new"
    seen = lecture.version
    with django_capture_on_commit_callbacks(execute=True):
        do_finish_lecture(lecture, acting_user=lecturer)
    assert client.get(url, {"after": new.pk, "v": seen}).json()["status"] == "finished"
