"""Runs of the analysis and what they found. A run belongs to the organization whose subtree it
read (``org_path``); every reader is scoped by that path. Texts are kept masked (ID and phone
numbers) with the key of their record in the module that owns them ("<source>:<id>")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Sentiment(models.TextChoices):
    NEGATIVE = "neg", _("Negative")
    NEUTRAL = "neu", _("Neutral")
    POSITIVE = "pos", _("Positive")


class Run(models.Model):
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    params = models.JSONField(_("parameters"), default=dict)
    versions = models.JSONField(_("model versions"), default=dict)
    text_count = models.PositiveIntegerField(_("texts"), default=0)
    unassigned_count = models.PositiveIntegerField(_("unassigned texts"), default=0)
    error = models.TextField(_("error"), blank=True)
    bundle = models.FileField(upload_to="insight/models/", blank=True, editable=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("started by"))
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org_path", "state", "-finished_at"], name="insight_run_latest")]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Topic(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="topics")
    number = models.PositiveIntegerField()
    label = models.CharField(_("label"), max_length=100)
    auto_label = models.CharField(_("label found"), max_length=100)
    keywords = models.JSONField(_("top terms"), default=list)
    size = models.PositiveIntegerField(_("texts"), default=0)
    recent = models.PositiveIntegerField(default=0)
    previous = models.PositiveIntegerField(default=0)
    growth = models.FloatField(_("growth"), default=1.0)
    negative_share = models.FloatField(_("negative share"), default=0.0)
    unresolved_share = models.FloatField(_("unresolved share"), default=0.0)
    pain = models.FloatField(_("pain point score"), default=0.0)
    places = models.JSONField(pgettext_lazy("location", "places"), default=list)  # [[name, count], …]
    sample_keys = models.JSONField(default=list)  # most central texts first
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged",
                                    verbose_name=_("merged into"))
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("split from"))
    # Review: an analyst's conclusion; only reviewed topics go into a briefing.
    conclusion = models.TextField(_("conclusion"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("reviewed by"))

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "number"], name="insight_topic_number")]

    def __str__(self) -> str:
        return self.label


class DuplicateGroup(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="duplicate_groups")
    first_key = models.CharField(max_length=40)
    size = models.PositiveIntegerField(default=0)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "first_key"], name="insight_dup_first")]


class TextAnalysis(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="texts")
    key = models.CharField(max_length=40)  # "<source>:<id>"
    source = models.CharField(max_length=20)
    source_id = models.PositiveBigIntegerField()
    org_path = models.CharField(max_length=255, blank=True)
    text = models.TextField(_("text (masked)"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    category = models.CharField(pgettext_lazy("case", "category"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("sent at"))
    keywords = models.JSONField(_("keywords"), default=list)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="texts")
    similarity = models.FloatField(default=0.0)
    duplicate_group = models.ForeignKey(DuplicateGroup, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="texts")
    sentiment = models.CharField(_("sentiment"), max_length=3, choices=Sentiment.choices)
    text_hash = models.CharField(max_length=40)
    resolved = models.BooleanField(null=True)
    reopened = models.BooleanField(default=False)
    incremental = models.BooleanField(default=False)  # analysed on arrival, after the run
    analysed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("analysed text")
        verbose_name_plural = _("analysed texts")
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="insight_text_key")]
        indexes = [
            models.Index(fields=["topic", "-similarity", "id"], name="insight_text_topic"),
            models.Index(fields=["run", "text_hash"], name="insight_text_hash"),
            models.Index(fields=["run", "created_at"], name="insight_text_time"),
        ]


class Briefing(models.Model):
    """The leaders' briefing of a run: the reviewed topics as they stood when it was published
    (``findings`` is a copy, so later renames or merges do not change what was issued). ``public``
    briefings are also shown on a page anyone may open, without the citizens' texts."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="briefings")
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    findings = models.JSONField(default=list)
    public = models.BooleanField(_("publish on the public page"), default=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("briefing")
        verbose_name_plural = _("briefings")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class DictionaryWord(models.Model):
    """A word of the county dictionary added by hand (local terms, nicknames of places); the names
    of the organization tree and of the departments are added by every run on their own."""

    word = models.CharField(_("word"), max_length=50, unique=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dictionary word")
        verbose_name_plural = _("dictionary words")
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word
