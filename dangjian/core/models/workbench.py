"""What the workbench remembers per user: recently opened records, pinned pages, and the day
of the last to-do digest (at most one a day)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RecentItem(models.Model):
    """A record page the user opened (a member, a case, a transfer …), newest first. Only the
    last ``core.workbench.RECENT_KEEP`` per user are kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recent_items")
    path = models.CharField(_("page"), max_length=300)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    visited_at = models.DateTimeField(_("visited at"), default=timezone.now)

    class Meta:
        verbose_name = _("recent item")
        verbose_name_plural = _("recent items")
        constraints = [models.UniqueConstraint(fields=["user", "path"], name="unique_recent_item")]
        indexes = [models.Index(fields=["user", "-visited_at"], name="recent_item_user_time")]

    def __str__(self) -> str:
        return self.title


class PinnedItem(models.Model):
    """A page the user pinned to their workbench."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pinned_items")
    path = models.CharField(_("page"), max_length=300)
    title = models.CharField(_("title"), max_length=200)
    pinned_at = models.DateTimeField(_("pinned at"), default=timezone.now)

    class Meta:
        verbose_name = _("pinned item")
        verbose_name_plural = _("pinned items")
        constraints = [models.UniqueConstraint(fields=["user", "path"], name="unique_pinned_item")]

    def __str__(self) -> str:
        return self.title


class TodoDigest(models.Model):
    """The day a user's to-do digest was sent: the unique row makes a second one that day
    impossible, even when two schedulers fire."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="todo_digests")
    day = models.DateField(_("day"))
    items = models.PositiveIntegerField(_("open items"), default=0)

    class Meta:
        verbose_name = _("to-do digest")
        verbose_name_plural = _("to-do digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="unique_todo_digest")]
