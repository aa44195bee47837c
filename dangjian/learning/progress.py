"""Honest progress: what a report may credit (no database here; ``actions`` stores the result).

The player reports, every few seconds while it plays, the stretch it played since the last
report: ``start_s`` → ``position_s`` at playback ``rate``. The server credits that stretch only if
it fits in the playback time that really passed by the server's clock:

- Every report adds ``elapsed × rate × (1 + tolerance)`` to a bank (``elapsed``: server time
  since the previous report of this learner on this lesson, from any device; ``rate`` at most
  ``LEARNING_MAX_RATE``). The bank holds at most what one gap can give.
- A stretch longer than the bank is a jump (a seek, "+15 s", "reached the end", a clock that
  runs fast): nothing is credited, the bank is emptied, the report only moves the resume position.
- A gap longer than ``LEARNING_MAX_GAP_SECONDS`` (a closed or background tab, a sleeping phone)
  earns nothing: the next report starts counting afresh.
- What is credited is the *union* of the stretches: watching a stretch again adds nothing.
- Offline batches carry the client's time of each report; it is only trusted inside what the
  server saw: clamped between the previous report's server time and the batch's arrival.
- Paged lessons (articles, PDF slides): a report names the page on screen; the time since the
  previous report (same page, within the gap) counts towards that page, up to the seconds a page
  must be shown.

Reports from one device carry a ``device`` id and a rising ``seq``: a report that arrives after
a later one of the same device (a slow network, a retry) is stale and changes nothing, so it can
never move the resume position back.

A lesson is completed when the covered share reaches ``LEARNING_COMPLETION_COVERAGE`` (0.9).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings


def setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def max_gap() -> float:
    return setting("LEARNING_MAX_GAP_SECONDS", 30)


def max_rate() -> float:
    return setting("LEARNING_MAX_RATE", 2.0)


def tolerance() -> float:
    return setting("LEARNING_RATE_TOLERANCE", 0.1)


def completion_coverage() -> float:
    return setting("LEARNING_COMPLETION_COVERAGE", 0.9)


@dataclass
class Report:
    """One report from a player. ``at``: the client's time (offline batches only)."""

    position_s: float = 0.0
    start_s: float | None = None
    rate: float = 1.0
    page: int | None = None
    at: dt.datetime | None = None
    key: str = ""
    #: The player instance's id and its report counter: a report numbered at or below the last one
    #: applied from the same device is stale (it overtook nobody; it was overtaken) and is ignored.
    device: str = ""
    seq: int | None = None


@dataclass
class State:
    """The stored progress of one learner on one lesson (a copy of ``LessonProgress``'s fields)."""

    intervals: list[list[float]] = field(default_factory=list)
    covered_s: float = 0.0
    pages: dict[str, float] = field(default_factory=dict)
    position_s: float = 0.0
    anchor_at: dt.datetime | None = None
    anchor_pos: float = 0.0
    bank_s: float = 0.0


def merge(intervals: list[list[float]], start: float, end: float) -> list[list[float]]:
    """``intervals`` (sorted, disjoint) with ``[start, end]`` added, merged."""
    out: list[list[float]] = []
    placed = False
    for a, b in intervals:
        if b < start:
            out.append([a, b])
        elif a > end:
            if not placed:
                out.append([start, end])
                placed = True
            out.append([a, b])
        else:
            start, end = min(a, start), max(b, end)
    if not placed:
        out.append([start, end])
    return out


def total(intervals: list[list[float]]) -> float:
    return sum(b - a for a, b in intervals)


def report_time(state: State, report: Report, received_at: dt.datetime) -> dt.datetime:
    """When the report counts as made: the server's receive time, or for an offline report its
    own time clamped to what the server saw (after the previous report, not after arrival)."""
    if report.at is None or state.anchor_at is None:
        return received_at
    return min(max(report.at, state.anchor_at), received_at)


def apply_timed(state: State, report: Report, t: dt.datetime, duration: float) -> float:
    """Apply a video/audio report made at ``t``; return the newly covered seconds."""
    elapsed = (t - state.anchor_at).total_seconds() if state.anchor_at else None
    rate = min(max(report.rate, 0.0), max_rate())
    if elapsed is None or elapsed > max_gap():
        state.bank_s = 0.0
    else:
        cap = max_gap() * max_rate() * (1 + tolerance())
        state.bank_s = min(state.bank_s + max(elapsed, 0.0) * rate * (1 + tolerance()), cap)
    start = state.anchor_pos if report.start_s is None else report.start_s
    end = min(report.position_s, duration)
    credited = 0.0
    length = end - start
    if elapsed is not None and elapsed <= max_gap() and 0 < length <= state.bank_s + 1e-6:
        before = state.covered_s
        state.intervals = merge(state.intervals, round(start, 1), round(end, 1))
        state.covered_s = round(total(state.intervals), 1)
        state.bank_s = round(state.bank_s - length, 3)
        credited = round(state.covered_s - before, 1)
    elif length != 0:
        # A jump: the time since the last report was not spent playing up to here.
        state.bank_s = 0.0
    state.anchor_at = t
    state.anchor_pos = end
    state.position_s = round(end, 1)
    return credited


def apply_paged(state: State, report: Report, t: dt.datetime, page_seconds: float) -> float:
    """Apply an article/PDF report (``page`` on screen at ``t``); return the seconds counted."""
    page = int(report.page or 1)
    elapsed = (t - state.anchor_at).total_seconds() if state.anchor_at else None
    credited = 0.0
    if elapsed is not None and 0 < elapsed <= max_gap() and int(state.anchor_pos) == page:
        key = str(page)
        shown = state.pages.get(key, 0.0)
        add = min(elapsed, max(page_seconds - shown, 0.0))
        if add > 0:
            state.pages = {**state.pages, key: round(shown + add, 1)}
            credited = round(add, 1)
    state.anchor_at = t
    state.anchor_pos = float(page)
    state.position_s = float(page)
    return credited


def coverage(state: State, *, timed: bool, duration: float, page_count: int, page_seconds: float) -> float:
    """The share of the lesson really seen, 0–1."""
    if timed:
        return min(state.covered_s / duration, 1.0) if duration > 0 else 0.0
    done = sum(1 for s in state.pages.values() if s >= page_seconds)
    return min(done / page_count, 1.0) if page_count else 0.0


def state_of(row: Any) -> State:
    return State(intervals=list(row.intervals or []), covered_s=row.covered_s, pages=dict(row.pages or {}),
                 position_s=row.position_s, anchor_at=row.anchor_at, anchor_pos=row.anchor_pos, bank_s=row.bank_s)


#: How many devices' last report numbers a progress row remembers (the most recent ones).
MAX_DEVICES = 16


def is_stale(devices: dict[str, int], report: Report) -> bool:
    """Whether ``report`` was overtaken by a later report of the same device."""
    if not report.device or report.seq is None:
        return False
    last = devices.get(report.device)
    return last is not None and report.seq <= last


def remember(devices: dict[str, int], report: Report) -> dict[str, int]:
    """``devices`` with ``report``'s number as its device's last (the oldest dropped past the limit)."""
    if not report.device or report.seq is None:
        return devices
    out = {k: v for k, v in devices.items() if k != report.device}
    out[report.device] = report.seq
    while len(out) > MAX_DEVICES:
        out.pop(next(iter(out)))
    return out
