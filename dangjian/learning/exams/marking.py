"""Drawing papers and marking answers: pure functions, no database.

A paper is drawn with ``random.Random(seed)`` from the bank's questions of each kind (in id
order), so the same seed over the same bank gives the same paper. Marking is all or nothing per
question: a single choice is the right index, a multiple choice exactly the right set, a fill-in
any accepted alternative after ``normalise``."""

from __future__ import annotations

import random
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.learning.exams import KIND_ORDER, QuestionKind

MAX_FILL_LENGTH = 200
_SPACE = re.compile(r"\s+")
#: Full stops and similar a member may type at the end of a fill-in answer.
_TRAILING = "。.，,；;！!？?、 "


def normalise(text: Any) -> str:
    """Full-width to half-width (NFKC), case folded, inner white space collapsed, outer white space
    and trailing punctuation dropped: “ 中国共产党。” and “中国共产党” match; so do “ＣＰＣ” and “cpc”."""
    value = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return _SPACE.sub(" ", value).strip().rstrip(_TRAILING).strip()


def new_seed() -> int:
    """A fresh seed for one attempt's paper (stored with it, so the draw can be repeated)."""
    return secrets.randbits(62)


def draw(pool: Mapping[str, Sequence[int]], counts: Mapping[str, int], seed: int) -> list[int]:
    """The paper for ``seed``: ``counts[kind]`` question ids drawn from ``pool[kind]`` (sorted ids),
    kinds in ``KIND_ORDER``. Raises ValueError when a kind has too few questions."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw from the stored seed, not a secret
    paper: list[int] = []
    for kind in KIND_ORDER:
        n = counts.get(kind, 0)
        if not n:
            continue
        ids = sorted(pool.get(kind, ()))
        if len(ids) < n:
            raise ValueError(kind)
        paper.extend(rng.sample(ids, n))
    return paper


def clean_answer(kind: str, options: Sequence[str], value: Any, field: str) -> Any:
    """A member's answer in its stored form, or a ValidationError naming ``field``.

    single: an option index (int); multiple: a list of distinct indexes (stored sorted);
    true_false: a boolean; fill: text (at most ``MAX_FILL_LENGTH`` characters). ``None`` clears
    the answer."""
    if value is None:
        return None
    if kind == QuestionKind.SINGLE:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(options):
            raise ValidationError({field: _("Choose one of the options.")})
        return value
    if kind == QuestionKind.MULTIPLE:
        if (not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
                or any(not 0 <= v < len(options) for v in value) or len(set(value)) != len(value)):
            raise ValidationError({field: _("Choose one or more of the options, each once.")})
        return sorted(value)
    if kind == QuestionKind.TRUE_FALSE:
        if not isinstance(value, bool):
            raise ValidationError({field: _("Answer true or false.")})
        return value
    if not isinstance(value, str):
        raise ValidationError({field: _("Type the answer as text.")})
    text = value.replace("\x00", "").strip()
    if len(text) > MAX_FILL_LENGTH:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": MAX_FILL_LENGTH}})
    return text


def is_right(kind: str, answer: Any, given: Any) -> bool:
    if given is None:
        return False
    if kind == QuestionKind.MULTIPLE:
        return sorted(given) == sorted(answer)
    if kind == QuestionKind.FILL:
        return normalise(given) in {normalise(a) for a in answer}
    if kind == QuestionKind.TRUE_FALSE:
        return given is answer
    return bool(given == answer)


def mark(questions: Mapping[int, Any], paper: Sequence[int], answers: Mapping[str, Any],
         points: Mapping[str, int]) -> tuple[int, int, dict[str, int]]:
    """(score, max score, points per question id) of ``answers`` to ``paper``. ``questions``: id →
    an object with ``kind`` and ``answer``; a question missing from the bank scores nothing but
    still counts in the maximum."""
    score = maximum = 0
    marks: dict[str, int] = {}
    for qid in paper:
        q = questions.get(qid)
        if q is None:
            continue
        worth = points.get(q.kind, 0)
        maximum += worth
        got = worth if is_right(q.kind, q.answer, answers.get(str(qid))) else 0
        marks[str(qid)] = got
        score += got
    return score, maximum, marks
