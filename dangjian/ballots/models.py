"""Evaluations, their subjects, trustees, roll, credentials and the encrypted ballots.

Secrecy at rest (issue 18): a ``Ballot`` row has a random UUID key, its payload and its receipt
(the hash of the payload) — no user, no credential, no time; lists order it by receipt. The
``Credential`` row that was marked used in the same transaction shares no key with it and carries
no time either. ``AnswerTag`` rows (the replay guard) have random keys too. So nothing stored links
a ballot to a voter; and even the payload is encrypted, only the tally is ever decrypted.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.ballots.choices import (
    DEFAULT_DIMENSIONS,
    DEFAULT_FLAG_LOW,
    DEFAULT_FLAG_LOWEST,
    DEFAULT_MIN_GROUP,
    SCALES,
    Delivery,
    EvaluationKind,
    GradeScale,
    State,
)


def _default_dimensions() -> list[str]:
    return list(DEFAULT_DIMENSIONS)


class Evaluation(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="evaluations",
                                     verbose_name=_("organization"))
    # Copy of organization.path for scoping (one index range), set by the actions.
    org_path = models.CharField(max_length=255, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=EvaluationKind.choices, default=EvaluationKind.CADRE)
    scale = models.CharField(_("grade scale"), max_length=20, choices=GradeScale.choices,
                             default=GradeScale.CIVIL_SERVANT)
    dimensions = models.JSONField(_("dimensions"), default=_default_dimensions)
    min_group = models.PositiveSmallIntegerField(_("minimum group"), default=DEFAULT_MIN_GROUP)
    flag_lowest = models.PositiveSmallIntegerField(_("flag: share of the lowest grade (%)"),
                                                   default=DEFAULT_FLAG_LOWEST)
    flag_low = models.PositiveSmallIntegerField(_("flag: share of the two lowest grades (%)"),
                                                default=DEFAULT_FLAG_LOW)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    # Frozen when the evaluation opens: the exact text the fingerprint is computed over.
    manifest_text = models.TextField(blank=True, editable=False)
    eid = models.CharField(max_length=64, blank=True, editable=False)
    # Stored when it closes: the homomorphic tally (JSON text) and the number of ballots it sums.
    tally_text = models.TextField(blank=True, editable=False)
    ballot_count = models.PositiveIntegerField(default=0, editable=False)
    # Chosen when it opens: printed slips, or codes sent to each voter with an account.
    delivery = models.CharField(_("voting codes"), max_length=10, choices=Delivery.choices, default=Delivery.SLIPS,
                                editable=False)
    # While ``closing``: the ballots summed so far out of ``tally_total``, and when that last moved
    # (a closing that stops moving had its worker die: the closing job runs it again).
    tally_done = models.PositiveIntegerField(default=0, editable=False)
    tally_total = models.PositiveIntegerField(default=0, editable=False)
    tally_progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-opens_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def options(self) -> list[str]:
        return list(SCALES[self.scale])

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads(self.manifest_text) if self.manifest_text else {}

    @property
    def tally(self) -> list[list[dict[str, str]]]:
        return json.loads(self.tally_text) if self.tally_text else []

    @property
    def results_hidden(self) -> bool:
        """Below the group minimum nothing is decrypted and nothing shown (issue 18)."""
        return self.ballot_count < self.min_group


class Subject(models.Model):
    """A cadre (or a member, for 民主评议党员) the voters grade."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="subjects")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("name"), max_length=64)
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "position"], name="ballots_subject_position")]

    def __str__(self) -> str:
        return self.name


class Trustee(models.Model):
    """A holder of one key share (n of n). The secret never reaches the server: it stores the public
    key and the proof that the trustee knows its secret, bound to the evaluation and the index."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="trustees")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ballot_trusteeships")
    index = models.PositiveSmallIntegerField()
    public_key = models.CharField(max_length=64, blank=True)
    key_proof = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "index"], name="ballots_trustee_index"),
            models.UniqueConstraint(fields=["evaluation", "user"], name="ballots_trustee_user"),
        ]

    def __str__(self) -> str:
        return f"{self.index}. {self.user}"

    @property
    def has_key(self) -> bool:
        return bool(self.public_key)


class RollEntry(models.Model):
    """One voter of the roll frozen at opening, in roll order (the manifest's ``roll_hash``)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="roll")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=64)
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "position"], name="ballots_roll_position")]


class Credential(models.Model):
    """A one-time voting code; only its hash is stored. No time, no order: the key is random and
    ``used`` is the only thing that changes. ``voter`` stays empty for printed slips handed out at
    random; a code sent to a voter (``Delivery.SEND``) names their roll entry, so that voter can see
    whether it was used. The ballot never names the credential: a linked credential tells who
    voted, never how."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="credentials")
    voter = models.ForeignKey(RollEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    used = models.BooleanField(default=False)
    #: The number printed on a slip (1, 2, … in the order the slips are printed; empty for a sent
    #: code): a lost slip is revoked by it when its code cannot be read. The cast never sees it.
    serial = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["code_hash"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "serial"], condition=models.Q(serial__isnull=False),
                                               name="ballots_credential_serial_unique")]


class Ballot(models.Model):
    """An encrypted ballot as cast: no user, no credential, no time; ordered by receipt."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="ballots")
    payload = models.TextField()
    receipt = models.CharField(max_length=64)

    class Meta:
        ordering = ["receipt"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "receipt"], name="ballots_ballot_receipt")]


class AnswerTag(models.Model):
    """The first choice's ``alpha`` of every answer of every ballot: a ballot repeating one is a
    replay and refused (docs/modules/ballots-protocol.md)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="+")
    tag = models.CharField(max_length=64)

    class Meta:
        ordering = ["tag"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "tag"], name="ballots_answer_tag")]


class Decryption(models.Model):
    """A trustee's partial decryption of the tally, one share and proof per cell (checked)."""

    trustee = models.OneToOneField(Trustee, on_delete=models.CASCADE, related_name="decryption")
    shares_text = models.TextField()

    @property
    def shares(self) -> list[list[dict[str, Any]]]:
        return json.loads(self.shares_text)


class Result(models.Model):
    """The decrypted counts of one question (a subject × a dimension), in the scale's order."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="results")
    question = models.PositiveSmallIntegerField()
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="results")
    dimension = models.CharField(max_length=32)
    counts = models.JSONField()

    class Meta:
        ordering = ["question"]
        constraints = [models.UniqueConstraint(fields=["evaluation", "question"], name="ballots_result_question")]
