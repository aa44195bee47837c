"""The channels' tables: which channels a section has, the outbox of deliveries, what each channel
holds now for an article (remote ids, for updates and withdrawal), uploaded media, the app feed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.portal.channels import ChannelKind, Operation, OutboxStatus


class SectionChannel(models.Model):
    """One channel switched on for a section (and every section and article below it). The
    credentials are never stored here: ``account`` names an entry of ``settings.CHANNELS_ACCOUNTS``."""

    section = models.ForeignKey("portal.SectionPage", on_delete=models.CASCADE, related_name="channels",
                                verbose_name=_("section"))
    channel = models.CharField(_("channel"), max_length=10, choices=ChannelKind.choices)
    account = models.CharField(_("account"), max_length=50, default="default",
                               help_text=_("The name of the account in the server settings (CHANNELS_ACCOUNTS)."))
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("section channel")
        verbose_name_plural = _("section channels")
        constraints = [models.UniqueConstraint(fields=["section", "channel"], name="channels_section_channel_unique")]

    def __str__(self) -> str:
        return f"{self.section_id} · {self.channel}"


class ChannelPost(models.Model):
    """What one channel holds for one article: its remote id (WeChat ``article_id``, Weibo status
    id, app feed item), the revision it shows, and whether it is live there. ``cycle`` counts
    withdrawals: a re-publish after a withdrawal is a new delivery of the same revision."""

    page = models.ForeignKey("wagtailcore.Page", null=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=ChannelKind.choices)
    account = models.CharField(_("account"), max_length=50, default="default")
    live = models.BooleanField(_("live on the channel"), default=False)
    cycle = models.PositiveIntegerField(default=0)
    revision_id = models.BigIntegerField(_("revision delivered"), null=True, blank=True)
    remote_id = models.CharField(_("remote id"), max_length=200, blank=True)
    remote_url = models.URLField(_("remote link"), max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)  # channel specifics (e.g. WeChat media ids)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("channel post")
        verbose_name_plural = _("channel posts")
        constraints = [models.UniqueConstraint(fields=["page", "channel"], name="channels_post_page_channel_unique")]

    def __str__(self) -> str:
        return f"{self.page_id} · {self.channel} · {self.remote_id}"


class OutboxEntry(models.Model):
    """One delivery of one article revision to one channel (publish, update or withdraw).

    Idempotent: (page, channel, cycle, operation, revision) is unique, so a publish signal or a
    task that runs twice never delivers the same revision twice. ``progress`` keeps the remote
    ids of the steps already done (uploaded cover, draft, publish id) so a retry resumes where
    the failed attempt stopped. ``errors`` keeps every attempt's error (the last one also in
    ``last_error``), so giving up loses nothing."""

    page = models.ForeignKey("wagtailcore.Page", null=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("article"))
    page_title = models.CharField(_("title"), max_length=255)
    revision_id = models.BigIntegerField(_("revision"), default=0)
    cycle = models.PositiveIntegerField(default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=ChannelKind.choices)
    account = models.CharField(_("account"), max_length=50, default="default")
    operation = models.CharField(_("operation"), max_length=10, choices=Operation.choices)
    status = models.CharField(_("status"), max_length=12, choices=OutboxStatus.choices,
                              default=OutboxStatus.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # FAILED: when the next try is due. SENDING: when the claim expires (a worker died mid-send).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    remote_id = models.CharField(_("remote id"), max_length=200, blank=True)
    remote_url = models.URLField(_("remote link"), max_length=1000, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    org_path = models.CharField(max_length=255, blank=True, db_index=True)  # owning organization (scope)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("channel delivery")
        verbose_name_plural = _("channel deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["page", "channel", "cycle", "operation", "revision_id"],
                                    name="channels_outbox_once"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="channels_outbox_due_idx"),
            models.Index(fields=["page", "channel", "-created_at"], name="channels_outbox_page_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.page_title} · {self.channel} · {self.operation} · {self.status}"

    @property
    def can_retry(self) -> bool:
        """A manual retry is the transition back to "waiting" (failed or gave up only)."""
        from dangjian.portal.channels import OUTBOX_TRANSITIONS

        return OutboxStatus.PENDING in OUTBOX_TRANSITIONS[self.status]


class MediaAsset(models.Model):
    """An image uploaded to a channel account once and reused (WeChat permanent material for
    covers, ``uploadimg`` URLs for images inside the text)."""

    channel = models.CharField(max_length=10, choices=ChannelKind.choices)
    account = models.CharField(max_length=50)
    kind = models.CharField(max_length=10)  # "material" | "inline"
    image = models.ForeignKey("wagtailimages.Image", on_delete=models.CASCADE, related_name="+")
    file_hash = models.CharField(max_length=64)
    media_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "account", "kind", "image", "file_hash"],
                                               name="channels_media_once")]


class AppFeedItem(models.Model):
    """An article in the app's news feed (``GET /api/v1/channels/app-feed``), written by the app
    channel's deliveries and removed on withdrawal."""

    page = models.OneToOneField("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=255)
    summary = models.TextField(blank=True)
    url = models.URLField(max_length=1000)
    cover_url = models.URLField(max_length=1000, blank=True)
    section = models.CharField(max_length=255, blank=True)
    revision_id = models.BigIntegerField(default=0)
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["-published_at", "-id"], name="channels_appfeed_order_idx")]
