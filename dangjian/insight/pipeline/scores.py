"""Pain points and run-to-run differences, from plain numbers (no models).

Pain point score of a topic = volume × growth × negative share × unresolved share, where
growth = (texts in the last ``window`` days + 1) / (texts in the ``window`` days before + 1),
the negative share is over the topic's texts, and the unresolved share is over the texts whose
outcome is known (a case resolved or not; reopened counts as unresolved); 1 when none is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class TopicFigures:
    size: int
    recent: int
    previous: int
    growth: float
    negative: float
    unresolved: float
    pain: float


def topic_figures(created: Sequence[datetime], negative: Sequence[bool], resolved: Sequence[bool | None],
                  reopened: Sequence[bool], *, as_of: datetime, window_days: int = 30) -> TopicFigures:
    """The figures of one topic from its texts' times, sentiments and outcomes (same order)."""
    size = len(created)
    w = timedelta(days=window_days)
    recent = sum(1 for t in created if as_of - w < t <= as_of)
    previous = sum(1 for t in created if as_of - 2 * w < t <= as_of - w)
    growth = (recent + 1) / (previous + 1)
    neg = sum(1 for n in negative if n) / size if size else 0.0
    known = [(r, o) for r, o in zip(resolved, reopened, strict=True) if r is not None]
    unresolved = sum(1 for r, o in known if not r or o) / len(known) if known else 1.0
    return TopicFigures(size, recent, previous, round(growth, 4), round(neg, 4), round(unresolved, 4),
                        round(size * growth * neg * unresolved, 4))


@dataclass(frozen=True)
class Change:
    kind: str  # "appeared" | "grew" | "merged" | "faded" | "kept"
    old: tuple[int, ...]
    new: int | None
    old_size: int
    new_size: int


def diff_runs(old: Mapping[int, Iterable[str]], new: Mapping[int, Iterable[str]], *,
              keep_share: float = 0.5, grow_share: float = 0.2) -> list[Change]:
    """What happened between two runs, given each run's topics as ``{topic id: text keys}``.

    An old topic *goes into* the new topic holding most of its texts if that is at least
    ``keep_share`` of them; otherwise it *faded*. A new topic that two or more old topics went
    into *merged* them; one that none went into *appeared*; one old topic → *grew* when the new
    topic is at least ``grow_share`` larger, else *kept*.
    """
    new_sets = {k: set(v) for k, v in new.items()}
    where: dict[int, set[int]] = {k: set() for k in new_sets}
    changes: list[Change] = []
    old_sizes: dict[int, int] = {}
    key_topic = {key: t for t, keys in new_sets.items() for key in keys}
    for o in sorted(old):
        keys = set(old[o])
        old_sizes[o] = len(keys)
        counts: dict[int, int] = {}
        for key in keys:
            t = key_topic.get(key)
            if t is not None:
                counts[t] = counts.get(t, 0) + 1
        best = min(counts, key=lambda t: (-counts[t], t)) if counts else None
        if best is not None and keys and counts[best] >= keep_share * len(keys):
            where[best].add(o)
        else:
            changes.append(Change("faded", (o,), None, len(keys), 0))
    for n in sorted(new_sets):
        olds = tuple(sorted(where[n]))
        size = len(new_sets[n])
        before = sum(old_sizes[o] for o in olds)
        if not olds:
            changes.append(Change("appeared", (), n, 0, size))
        elif len(olds) > 1:
            changes.append(Change("merged", olds, n, before, size))
        elif size >= (1 + grow_share) * before:
            changes.append(Change("grew", olds, n, before, size))
        else:
            changes.append(Change("kept", olds, n, before, size))
    return changes
