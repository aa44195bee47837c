"""Every write of live lectures: permission, validation naming the field, one transaction, audit.

Only the lecturer posts (text, an image, a short voice clip) and answers and pins; members of the
audience ask questions while the lecture is live. Each change a follower must see besides new
messages bumps ``Lecture.version``."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, uploads
from dangjian.core.actors import ActingUser, signed_in
from dangjian.core.models import User
from dangjian.core.notifications import notify
from dangjian.core.scoping import in_scope, require
from dangjian.learning.actions import do_publish_record_lesson
from dangjian.learning.lectures import LectureStatus, MessageKind, pollcache
from dangjian.learning.lectures.models import Lecture, Message
from dangjian.learning.lectures.selectors import MANAGE, audience_q, is_lecturer
from dangjian.learning.models import Lesson
from dangjian.orgs.models import Organization

MAX_TEXT = 2000
MAX_QUESTION = 500
IMAGE_TYPES = (uploads.JPEG, uploads.PNG)
#: Voice clips as phones record them: AAC in MP4/M4A, MP3, Ogg/Opus, WebM (``core.uploads`` tells them apart).
VOICE_TYPES = (uploads.M4A, uploads.MP3, uploads.OGG, uploads.WEBM_AUDIO)


def conf(name: str) -> int:
    return int({"MAX_IMAGE_BYTES": 5 * 1024 * 1024, "MAX_VOICE_BYTES": 2 * 1024 * 1024, "MAX_VOICE_SECONDS": 60,
                **getattr(settings, "LECTURES", {})}[name])


def _text(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": limit}})
    return text


def _name(user: Any) -> str:
    return (getattr(user, "name", "") or user.get_username())[:64]


def do_create_lecture(org: Organization, data: dict[str, Any], *, acting_user: ActingUser) -> Lecture:
    require(acting_user, MANAGE, org.path)
    title = _text(data.get("title"), "title", 120)
    description = _text(data.get("description"), "description", MAX_TEXT, required=False)
    lecturer = User.objects.filter(username=str(data.get("lecturer") or "").strip(), is_active=True).first()
    if lecturer is None:
        raise ValidationError({"lecturer": _("No active account with this user name.")})
    starts_at = data.get("starts_at")
    if starts_at is None:
        raise ValidationError({"starts_at": _("Give a date and time.")})
    with transaction.atomic():
        lecture = Lecture.objects.create(organization=org, org_path=org.path, title=title, description=description,
                                         lecturer=lecturer, starts_at=starts_at, created_by=signed_in(acting_user))
        audit.record(acting_user, "lecture.created", lecture, after={"title": title, "lecturer": lecturer.pk},
                     org_path=lecture.org_path, target_label=title)
        # the lecturer's way in to the room (the navigation shows live lectures to members and
        # editors; a lecturer may be neither), from the inbox on every page
        url = reverse("lectures:room", args=[lecture.pk])
        transaction.on_commit(lambda: notify(
            [lecturer.pk], "lectures.lecturer", title=_("You give the live lecture “%(title)s”") % {"title": title},
            body=_("Open the lecture room to start it at the planned time."), url=url))
    return lecture


def _require_lecturer(lecture: Lecture, user: Any) -> None:
    if not is_lecturer(user, lecture):
        raise PermissionDenied(_("Only the lecturer can do this."))


def _may_run(lecture: Lecture, user: Any) -> None:
    if not (is_lecturer(user, lecture) or in_scope(user, MANAGE, lecture.org_path)):
        raise PermissionDenied(_("Only the lecturer or an editor can do this."))


def do_start_lecture(lecture: Lecture, *, acting_user: ActingUser) -> Lecture:
    _may_run(lecture, acting_user)
    with transaction.atomic():
        if not Lecture.objects.filter(pk=lecture.pk, status=LectureStatus.SCHEDULED).update(
                status=LectureStatus.LIVE, started_at=timezone.now(), version=F("version") + 1):
            raise ValidationError({"status": _("Only a scheduled lecture can start.")})
        audit.record(acting_user, "lecture.started", lecture, org_path=lecture.org_path, target_label=lecture.title)
        pollcache.publish_on_commit(lecture.pk)
    lecture.refresh_from_db()
    return lecture


def do_finish_lecture(lecture: Lecture, *, acting_user: ActingUser) -> Lecture:
    """End the live part: the room stays as a replayable record, nothing more is posted or asked,
    and the lecture becomes a lesson of the party school (``_make_lesson``), in the same
    transaction — a lecture finishes once, so it has one lesson."""
    _may_run(lecture, acting_user)
    with transaction.atomic():
        if not Lecture.objects.filter(pk=lecture.pk, status=LectureStatus.LIVE).update(
                status=LectureStatus.FINISHED, finished_at=timezone.now(), version=F("version") + 1):
            raise ValidationError({"status": _("Only a live lecture can finish.")})
        audit.record(acting_user, "lecture.finished", lecture, org_path=lecture.org_path, target_label=lecture.title)
        pollcache.publish_on_commit(lecture.pk)
        _make_lesson(lecture, acting_user)
    lecture.refresh_from_db()
    return lecture


def do_make_lecture_lesson(lecture: Lecture, *, acting_user: ActingUser) -> Lesson:
    """Make the lesson of a lecture that finished without one (before lessons were made, or after
    its lesson was deleted). The lecturer or an editor in scope; refused while it has one."""
    _may_run(lecture, acting_user)
    with transaction.atomic():
        return _make_lesson(lecture, acting_user)


#: Reading speed assumed for a lesson's text (characters a second, ≈ 480 a minute) and the time
#: an image is looked at: with the voice clips' lengths, how long the lesson's page must be shown.
READ_CHARS_PER_S = 8
IMAGE_S = 5


def _make_lesson(lecture: Lecture, acting_user: ActingUser) -> Lesson:
    """The finished lecture as an article lesson of its organization: the lecturer's posts (text,
    images, voice clips) and the answered questions with their answers, in the room's order. Its
    learners are the lecture's audience (the organization's subtree). Inside the caller's
    transaction; the lecture row is locked so a lecture gets one lesson."""
    locked = Lecture.objects.select_for_update().select_related("organization", "lecturer").get(pk=lecture.pk)
    if locked.status != LectureStatus.FINISHED:
        raise ValidationError({"status": _("Only a finished lecture becomes a lesson.")})
    if locked.lesson_id is not None:
        raise ValidationError({"lesson": _("This lecture already has its lesson.")})
    msgs = list(Message.objects.filter(lecture=locked).order_by("pk"))
    by_id = {m.pk: m for m in msgs}
    posts = []
    seconds = 0.0
    for m in msgs:
        if m.kind == MessageKind.QUESTION:
            continue  # an answered question is shown with its answer; an unanswered one is not part of it
        if m.kind == MessageKind.ANSWER:
            quote = by_id.get(m.reply_to_id or 0)
            m.quote = quote  # type: ignore[attr-defined]
            seconds += len(quote.text if quote else "") / READ_CHARS_PER_S
        seconds += len(m.text) / READ_CHARS_PER_S + (m.duration_s or 0) + (IMAGE_S if m.kind == MessageKind.IMAGE
                                                                           else 0)
        posts.append(m)
    body = render_to_string("lectures/_lesson_body.html", {"lecture": locked, "posts": posts,
                                                           "lecturer_name": _name(locked.lecturer)})
    lesson = do_publish_record_lesson(locked.organization, title=locked.title, summary=locked.description,
                                      body=body, seconds=seconds, acting_user=acting_user)
    Lecture.objects.filter(pk=locked.pk).update(lesson=lesson)
    audit.record(acting_user, "lecture.lesson_made", locked, after={"lesson": lesson.pk}, org_path=locked.org_path,
                 target_label=locked.title)
    lecture.lesson_id = lesson.pk
    return lesson


def _require_live(lecture: Lecture) -> None:
    if lecture.status != LectureStatus.LIVE:
        raise ValidationError({"lecture": _("The lecture is not live.")})


def _sniff(upload: Any, types: tuple[str, ...], limit: int, field: str) -> tuple[str, str]:
    """The file's content type (from its first bytes) and the extension to store it under."""
    kind = uploads.sniff(uploads.head_of(upload))
    if kind not in types:
        raise ValidationError({field: _("This kind of file is not accepted.")})
    if (upload.size or 0) > limit:
        raise ValidationError({field: _("The file is too large: at most %(mb)d MB.") % {"mb": max(1, limit // 2**20)}})
    return kind, uploads.STORED_EXTENSIONS[kind]


def do_post_message(lecture: Lecture, *, text: str = "", image: Any = None, voice: Any = None,
                    duration_s: Any = None, acting_user: ActingUser) -> Message:
    """The lecturer posts text, an image (with an optional caption) or a short voice clip."""
    _require_lecturer(lecture, acting_user)
    _require_live(lecture)
    if image is not None and voice is not None:
        raise ValidationError({"image": _("Post one file at a time.")})
    caption = _text(text, "text", MAX_TEXT, required=image is None and voice is None)
    message = Message(lecture=lecture, author=signed_in(acting_user), author_name=_name(acting_user), text=caption,
                      kind=MessageKind.TEXT)
    upload = None
    if image is not None:
        message.content_type, ext = _sniff(image, IMAGE_TYPES, conf("MAX_IMAGE_BYTES"), "image")
        message.kind, upload = MessageKind.IMAGE, (image, ext)
    elif voice is not None:
        message.content_type, ext = _sniff(voice, VOICE_TYPES, conf("MAX_VOICE_BYTES"), "voice")
        try:
            seconds = int(duration_s)
        except (TypeError, ValueError):
            raise ValidationError({"duration_s": _("Give the clip's length in seconds.")}) from None
        if not 1 <= seconds <= conf("MAX_VOICE_SECONDS"):
            raise ValidationError({"duration_s": _("A voice clip lasts at most %(n)d seconds.")
                                   % {"n": conf("MAX_VOICE_SECONDS")}})
        message.kind, message.duration_s, upload = MessageKind.VOICE, seconds, (voice, ext)
    with transaction.atomic():
        if upload is not None:
            message.file.save(f"{uuid.uuid4().hex}.{upload[1]}", upload[0], save=False)
        message.save()
        _raise_head(message)
        audit.record(acting_user, "lecture_message.posted", message, after={"kind": message.kind},
                     org_path=lecture.org_path, target_label=lecture.title)
    return message


def do_ask_question(lecture: Lecture, text: Any, *, acting_user: ActingUser) -> Message:
    """A member of the audience asks a question while the lecture is live."""
    user = signed_in(acting_user)
    if is_lecturer(user, lecture) or not Lecture.objects.filter(audience_q(user), pk=lecture.pk).exists():
        raise PermissionDenied(_("Only members of the audience ask questions."))
    _require_live(lecture)
    question = _text(text, "text", MAX_QUESTION)
    with transaction.atomic():
        message = Message.objects.create(lecture=lecture, kind=MessageKind.QUESTION, author=user,
                                         author_name=_name(user), text=question)
        _raise_head(message)
        audit.record(acting_user, "lecture_message.posted", message, after={"kind": message.kind},
                     org_path=lecture.org_path, target_label=lecture.title)
    return message


def do_answer_question(question: Message, text: Any, *, pin: bool = False, acting_user: ActingUser) -> Message:
    """The lecturer answers a question (the answer follows in the room), pinning it if asked."""
    lecture = question.lecture
    _require_lecturer(lecture, acting_user)
    _require_live(lecture)
    if question.kind != MessageKind.QUESTION:
        raise ValidationError({"question": _("Only a question can be answered.")})
    answer = _text(text, "text", MAX_TEXT)
    with transaction.atomic():
        message = Message.objects.create(lecture=lecture, kind=MessageKind.ANSWER, author=signed_in(acting_user),
                                         author_name=_name(acting_user), text=answer, reply_to=question)
        _raise_head(message)
        audit.record(acting_user, "lecture_message.posted", message, after={"kind": message.kind,
                                                                             "question": question.pk},
                     org_path=lecture.org_path, target_label=lecture.title)
        if pin:
            _set_pin(question, True, acting_user)
    return message


def _raise_head(message: Message) -> None:
    """Record ``message`` as the room's newest (inside the transaction that adds it; ``Greatest``
    so two posts committing out of order never lower it)."""
    Lecture.objects.filter(pk=message.lecture_id).update(head=Greatest(F("head"), message.pk))
    pollcache.publish_on_commit(message.lecture_id)


def _set_pin(message: Message, pinned: bool, acting_user: ActingUser) -> None:
    Message.objects.filter(pk=message.pk).update(pinned=pinned)
    message.pinned = pinned
    Lecture.objects.filter(pk=message.lecture_id).update(version=F("version") + 1)
    pollcache.publish_on_commit(message.lecture_id)
    audit.record(acting_user, "lecture_message.pinned", message, after={"pinned": pinned},
                 org_path=message.lecture.org_path, target_label=message.lecture.title)


def do_pin_message(message: Message, pinned: bool, *, acting_user: ActingUser) -> Message:
    """Pin (or unpin) a message at the top of the room; also after the lecture, for the replay."""
    _require_lecturer(message.lecture, acting_user)
    with transaction.atomic():
        _set_pin(message, bool(pinned), acting_user)
    return message
