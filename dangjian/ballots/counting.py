"""Counting the ballots of a closed evaluation, in the closing request or in a background task,
and announcing finished results to other modules (``core.hooks.register_evaluation_result_listener``).

Closing (``actions.do_close_evaluation``) moves the evaluation to ``closing`` and fixes the set of
ballots (a cast checks, in its own transaction, that the evaluation is still open). Then the
homomorphic tally is computed — in the same transaction for a small evaluation, or by the task
``tally_evaluation`` for a large one, which stores its progress (``tally_done`` of
``tally_total``) as it goes. The tally and the new state are written in one transaction at the
end, only while the evaluation is still ``closing``: a worker that dies before leaves the
evaluation ``closing`` with no tally, and running the task again starts over (the closing job
``ballots.close_due`` re-enqueues a closing whose progress stopped moving). Two runs at once
compute the same tally; the second finds the evaluation closed and stores nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from dangjian.ballots import crypto
from dangjian.ballots.choices import TALLY_CHUNK, TRANSITIONS, State
from dangjian.ballots.models import Ballot, Evaluation, Result
from dangjian.ballots.rest import forget_arrival_order
from dangjian.core import audit
from dangjian.core.actors import ActingUser, as_user
from dangjian.core.hooks import evaluation_result_stored


def _ballots(evaluation: Evaluation, progress: Callable[[int], None] | None) -> Iterator[dict[str, Any]]:
    """The stored ballots by receipt, read a chunk at a time (keyset pages: memory stays small)."""
    last, done = "", 0
    while True:
        rows = list(Ballot.objects.filter(evaluation=evaluation, receipt__gt=last).order_by("receipt")
                    .values_list("receipt", "payload")[:TALLY_CHUNK])
        if not rows:
            return
        for _receipt, payload in rows:
            yield json.loads(payload)
        last = rows[-1][0]
        done += len(rows)
        if progress is not None:
            progress(done)


def compute_tally(evaluation: Evaluation, progress: Callable[[int], None] | None = None) -> tuple[Any, int]:
    """The homomorphic tally of the stored ballots and their number."""
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for b in _ballots(evaluation, progress):
            count += 1
            yield b

    tally = crypto.tally(evaluation.manifest, counted())
    return tally, count


def store_tally(evaluation: Evaluation, tally: Any, count: int, acting_user: ActingUser | None) -> None:
    """Inside the caller's transaction, with the evaluation locked and ``closing``: keep the tally
    and move on — to ``closed`` (the trustees decrypt), or below the group minimum straight to
    ``tallied`` without a result, ever. The ballots, answer tags and credentials are rewritten in
    content order here (``rest.forget_arrival_order``): voting has ended, nothing is cast meanwhile.
    """
    forget_arrival_order(evaluation)
    evaluation.ballot_count = count
    evaluation.tally_text = crypto.canon(tally).decode()
    evaluation.tally_done = count
    evaluation.tally_progress_at = timezone.now()
    state = State.TALLIED if count < evaluation.min_group else State.CLOSED
    if state not in TRANSITIONS[evaluation.state]:
        raise ValueError(f"cannot store a tally in state {evaluation.state}")
    evaluation.state = state
    evaluation.save(update_fields=["ballot_count", "tally_text", "tally_done", "tally_progress_at", "state"])
    audit.record(as_user(acting_user), "evaluation.counted", evaluation,
                 after={"ballots": count, "tally": crypto.sha256hex(evaluation.tally_text.encode())},
                 org_path=evaluation.org_path, target_label=evaluation.title)
    if state == State.TALLIED:
        announce_result(evaluation)


def run_tally(evaluation_id: int) -> str:
    """The background tally of one ``closing`` evaluation (safe to run again, see the module doc)."""
    evaluation = Evaluation.objects.filter(pk=evaluation_id).first()
    if evaluation is None or evaluation.state != State.CLOSING:
        return "nothing to do"

    def progress(done: int) -> None:
        Evaluation.objects.filter(pk=evaluation_id, state=State.CLOSING).update(
            tally_done=done, tally_progress_at=timezone.now())

    progress(0)
    tally, count = compute_tally(evaluation, progress)
    with transaction.atomic():
        locked = Evaluation.objects.select_for_update().get(pk=evaluation_id)
        if locked.state != State.CLOSING:
            return "already counted"
        store_tally(locked, tally, count, None)
    return locked.state


@task()
def tally_evaluation(evaluation_id: int) -> str:
    """Count the ballots of a closed evaluation (enqueued by closing; see ``run_tally``)."""
    return run_tally(evaluation_id)


def enqueue_tally(evaluation: Evaluation) -> None:
    """Start the background tally once the closing has committed."""
    pk = evaluation.pk
    transaction.on_commit(lambda: tally_evaluation.enqueue(pk))


# --- results for other modules ------------------------------------------------------------------------

def flags(evaluation: Evaluation, counts: list[int]) -> list[dict[str, Any]]:
    """The thresholds one question's counts reach: the lowest grade's share (``lowest``) and the
    two lowest grades' share (``low``), each only when switched on."""
    total = sum(counts) or 1
    out = []
    lowest = 100 * counts[-1] / total
    low = 100 * sum(counts[-2:]) / total
    if evaluation.flag_lowest and lowest >= evaluation.flag_lowest:
        out.append({"rule": "lowest", "share": round(lowest, 1), "limit": evaluation.flag_lowest})
    if evaluation.flag_low and low >= evaluation.flag_low:
        out.append({"rule": "low", "share": round(low, 1), "limit": evaluation.flag_low})
    return out


def result_summary(evaluation: Evaluation) -> dict[str, Any]:
    """What the result listeners get (``core/hooks.py``, "Results of democratic evaluations")."""
    hidden = evaluation.results_hidden
    subjects: dict[int, dict[str, Any]] = {}
    for s in evaluation.subjects.all():
        subjects[s.pk] = {"name": s.name, "member_id": s.member_id, "dimensions": [], "flags": [], "flagged": False}
    if not hidden:
        for r in Result.objects.filter(evaluation=evaluation).order_by("question"):
            row = subjects[r.subject_id]
            row["dimensions"].append({"dimension": r.dimension, "counts": list(r.counts)})
            for f in flags(evaluation, list(r.counts)):
                row["flags"].append({"dimension": r.dimension, **f})
            row["flagged"] = bool(row["flags"])
    return {
        "evaluation": str(evaluation.uuid), "title": evaluation.title, "kind": evaluation.kind,
        "organization_id": evaluation.organization_id, "org_path": evaluation.org_path,
        "options": evaluation.options, "ballots": evaluation.ballot_count, "results_hidden": hidden,
        "subjects": list(subjects.values()),
    }


def announce_result(evaluation: Evaluation) -> None:
    """Inside the transaction that finishes the evaluation: the listeners hear of it on commit."""
    evaluation_result_stored(result_summary(evaluation))
