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
    CLOSED = "closed", _("Closed, waiting for decryption")
    TALLIED = "tallied", _("Tallied")


#: Allowed state changes, one action per arrow (``actions.py``).
TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.KEYS}),
    State.KEYS: frozenset({State.DRAFT, State.OPEN}),
    State.OPEN: frozenset({State.CLOSED, State.TALLIED}),
    State.CLOSED: frozenset({State.TALLIED}),
    State.TALLIED: frozenset(),
}

#: States in which the evaluation's settings (subjects, dimensions, roll, times) may still change.
EDITABLE_STATES = frozenset({State.DRAFT, State.KEYS})
#: States in which the bulletin is public.
PUBLISHED_STATES = frozenset({State.CLOSED, State.TALLIED})
