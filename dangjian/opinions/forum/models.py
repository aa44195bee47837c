"""Forum data: boards, threads, replies and reports of posts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Board(models.Model):
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=50, unique=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    # per-board moderators (版主), besides the holders of ``forum.moderate`` who moderate every board
    moderators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="moderated_boards",
                                        verbose_name=_("moderators"))

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("board")
        verbose_name_plural = _("boards")

    def __str__(self) -> str:
        return self.name


class Thread(models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="threads", verbose_name=_("board"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="forum_threads",
                               verbose_name=_("author"))
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("content"))
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    last_reply_at = models.DateTimeField(_("last reply"), default=timezone.now)
    reply_count = models.PositiveIntegerField(_("replies"), default=0)
    is_locked = models.BooleanField(_("locked"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    opinion = models.OneToOneField("opinions.Opinion", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="forum_thread", verbose_name=_("opinion"))
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    is_deleted = models.BooleanField(_("deleted by the author"), default=False)

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [models.Index(fields=["board", "-is_pinned", "-last_reply_at"], name="forum_thread_list_idx")]

    def __str__(self) -> str:
        return self.title


class Reply(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="replies", verbose_name=_("thread"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="forum_replies",
                               verbose_name=_("author"))
    body = models.TextField(_("content"))
    created_at = models.DateTimeField(_("posted at"), default=timezone.now)
    is_hidden = models.BooleanField(_("hidden"), default=False)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    is_deleted = models.BooleanField(_("deleted by the author"), default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")


class Report(models.Model):
    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="reports",
                               verbose_name=_("thread"))
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="reports",
                              verbose_name=_("reply"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_reports",
                                 verbose_name=_("reporter"))
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)
    resolved = models.BooleanField(_("resolved"), default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.CheckConstraint(
                condition=(Q(thread__isnull=False, reply__isnull=True) | Q(thread__isnull=True, reply__isnull=False)),
                name="forum_report_one_target",
            ),
        ]


class PostRevision(models.Model):
    """The text a post had before its author edited it (the edit history; moderators read it)."""

    thread = models.ForeignKey(Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    reply = models.ForeignKey(Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(_("title"), max_length=100, blank=True)
    body = models.TextField(_("content"))
    edited_at = models.DateTimeField(_("edited at"), default=timezone.now)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["edited_at", "pk"]
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(thread__isnull=False, reply__isnull=True) | Q(thread__isnull=True, reply__isnull=False)),
                name="forum_revision_one_target",
            ),
        ]
