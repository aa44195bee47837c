"""Lectures and the messages of their rooms. A message's id orders the room: followers ask for
the messages after the last id they have (``selectors.messages_after``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.learning.lectures import LectureStatus, MessageKind


class Lecture(models.Model):
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    lecturer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("lecturer"))
    status = models.CharField(max_length=16, choices=LectureStatus.choices, default=LectureStatus.SCHEDULED)
    starts_at = models.DateTimeField(_("starts at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    #: Bumped by every change a follower must see besides new messages (pins, status), so a poll
    #: can tell "nothing new" from one indexed read.
    version = models.PositiveIntegerField(default=0)
    #: The id of the room's newest message (raised in the transaction that adds one): a poll that
    #: already has it answers "nothing new" from the lecture row alone — exact, never stale, what
    #: a short cache of the empty answer would give without a cache to invalidate (decision 0008).
    head = models.PositiveBigIntegerField(default=0)
    #: The party-school lesson the finished lecture became (made once, when it finishes).
    lesson = models.OneToOneField("learning.Lesson", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name=_("lesson"))

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("live lecture")

    def __str__(self) -> str:
        return self.title


class Message(models.Model):
    lecture = models.ForeignKey(Lecture, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=64)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to="lectures/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    duration_s = models.PositiveSmallIntegerField(null=True, blank=True)
    reply_to = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="answers")
    pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["lecture", "pk"]
        indexes = [models.Index(fields=["lecture", "id"], name="lectures_msg_room_idx")]

    def __str__(self) -> str:
        return f"{self.lecture_id}#{self.pk}"
