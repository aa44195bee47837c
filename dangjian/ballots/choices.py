"""Kinds, scales, states and limits of democratic evaluations (kept out of the package's
``__init__`` so that ``python -m dangjian.ballots.verify`` imports no Django)."""


from django.db import models
from django.utils.translation import gettext_lazy as _


class EvaluationKind(models.TextChoices):
    CADRE = "cadre", _("Cadre evaluation")
    MEMBER = "member", _("Democratic review of party members")


class GradeScale(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("Civil-servant scale (优秀/称职/基本称职/不称职)")
    INSTITUTION = "institution", _("Public-institution scale (优秀/合格/基本合格/不合格)")


#: The options of each scale, best first (DOMAIN.md §9). They go into the manifest verbatim: the
#: ballot's option ``j`` is ``SCALES[scale][j]``, so they are data, not translated text.
SCALES: dict[str, list[str]] = {
    GradeScale.CIVIL_SERVANT: ["优秀", "称职", "基本称职", "不称职"],
    GradeScale.INSTITUTION: ["优秀", "合格", "基本合格", "不合格"],
}

#: 德能勤绩廉 and the overall grade (DOMAIN.md §9); the organizer may change the list.
DEFAULT_DIMENSIONS = ["德", "能", "勤", "绩", "廉", "总体评价"]
MAX_DIMENSIONS = 12
MAX_SUBJECTS = 100
DEFAULT_MIN_GROUP = 5
DEFAULT_TRUSTEES = 3
MIN_TRUSTEES = 2
MAX_TRUSTEES = 7
#: A subject is flagged when, in some dimension, the lowest grade has at least this share of the
#: ballots (per cent; 0 = off), or the two lowest grades together at least ``DEFAULT_FLAG_LOW``.
DEFAULT_FLAG_LOWEST = 33
DEFAULT_FLAG_LOW = 50


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    KEYS = "keys", _("Waiting for the trustees' keys")
    OPEN = "open", _("Open for voting")
    CLOSING = "closing", _("Closed, counting the ballots")
    CLOSED = "closed", _("Closed, waiting for decryption")
    TALLIED = "tallied", _("Tallied")


#: Allowed state changes, one action per arrow (``actions.py``).
TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.KEYS}),
    State.KEYS: frozenset({State.DRAFT, State.OPEN}),
    State.OPEN: frozenset({State.CLOSING}),
    State.CLOSING: frozenset({State.CLOSED, State.TALLIED}),
    State.CLOSED: frozenset({State.TALLIED}),
    State.TALLIED: frozenset(),
}

class Delivery(models.TextChoices):
    """How the voting codes reach the voters, chosen when the evaluation opens."""

    SLIPS = "slips", _("Printed slips")
    SEND = "send", _("Sent to each voter (slips for voters without an account)")


#: Up to this many ballots, closing sums them in the organizer's request (≈ 0.8 ms a ballot: under
#: half a second); above, a background task does it and the page shows its progress.
SYNC_TALLY_LIMIT = 500
#: The background tally stores its progress every this many ballots.
TALLY_CHUNK = 250
#: A closing whose progress has not moved for this long had its worker die: the closing job runs it again.
TALLY_STALE_MINUTES = 5

#: States in which the evaluation's settings (subjects, dimensions, roll, times) may still change.
EDITABLE_STATES = frozenset({State.DRAFT, State.KEYS})
#: States in which the bulletin is public.
PUBLISHED_STATES = frozenset({State.CLOSED, State.TALLIED})
