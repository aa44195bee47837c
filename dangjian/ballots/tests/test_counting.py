"""Closing a large evaluation counts its ballots in a background task with progress; a count that
fails leaves the evaluation ``closing`` with nothing half-written, and the closing job runs it
again. Results reach other modules through ``core.hooks.register_evaluation_result_listener``."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.ballots import actions, counting, crypto
from dangjian.ballots.actions import CastRefused, close_due, do_cast_ballot, do_close_evaluation
from dangjian.ballots.choices import State
from dangjian.ballots.models import Ballot, Evaluation, Result, Subject
from dangjian.ballots.tests.conftest import ballot, decrypt_all
from dangjian.core.hooks import register_evaluation_result_listener, unregister_evaluation_result_listener
from dangjian.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def cast(ev: Any, n: int, pick: int = 0) -> None:
    for code in ev.codes[:n]:
        do_cast_ballot(ev.evaluation, code, ballot(ev.evaluation, pick))


def expected_tally(e: Evaluation) -> str:
    import json

    payloads = Ballot.objects.filter(evaluation=e).values_list("payload", flat=True)
    return crypto.canon(crypto.tally(e.manifest, (json.loads(p) for p in payloads))).decode()


def test_a_large_closing_counts_in_the_background_with_progress(
        users: Any, make_evaluation: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(actions, "SYNC_TALLY_LIMIT", 3)
    monkeypatch.setattr(counting, "TALLY_CHUNK", 2)
    ev = make_evaluation()
    e = ev.evaluation
    cast(ev, 4)
    c = login(users.organizer)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        r = c.post(f"/ballots/{e.uuid}/close/")
    assert r.status_code == 302
    e.refresh_from_db()
    # the close answered at once: voting has stopped, nothing counted or published yet
    assert e.state == State.CLOSING and e.tally_total == 4 and e.tally_done == 0 and e.tally_text == ""
    page = c.get(f"/ballots/{e.uuid}/").content.decode()
    assert 'id="tally-progress"' in page and 'http-equiv="refresh"' in page
    assert "0" in page and "4" in page
    with pytest.raises(CastRefused) as refused:
        do_cast_ballot(e, ev.codes[4], ballot(e))
    assert refused.value.reason == "closed"
    assert Client().get(f"/api/v1/ballots/evaluations/{e.uuid}/bulletin").status_code == 409
    assert not AuditEvent.objects.filter(action="evaluation.counted").exists()
    # the worker runs the task (the test backend runs it when enqueued)
    for callback in pending:
        callback()
    e.refresh_from_db()
    assert e.state == State.CLOSED and e.ballot_count == 4 and e.tally_done == 4
    assert e.tally_text == expected_tally(e)
    assert AuditEvent.objects.filter(action="evaluation.counted").count() == 1
    assert Client().get(f"/api/v1/ballots/evaluations/{e.uuid}/bulletin").status_code == 200
    # running it again changes nothing
    assert counting.run_tally(e.pk) == "nothing to do"
    decrypt_all(ev)
    assert e.state == State.TALLIED and Result.objects.filter(evaluation=e).count() == 4


def test_progress_is_stored_chunk_by_chunk(make_evaluation: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(counting, "TALLY_CHUNK", 2)
    ev = make_evaluation()
    cast(ev, 5)
    seen: list[int] = []
    tally, count = counting.compute_tally(ev.evaluation, seen.append)
    assert seen == [2, 4, 5] and count == 5
    assert crypto.canon(tally).decode() == expected_tally(ev.evaluation)


def test_a_small_closing_counts_at_once(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    cast(ev, 4)
    r = login(users.organizer).post(f"/ballots/{ev.evaluation.uuid}/close/")
    assert r.status_code == 302
    ev.evaluation.refresh_from_db()
    assert ev.evaluation.state == State.CLOSED and ev.evaluation.ballot_count == 4


def test_a_failed_count_leaves_no_half_state_and_is_run_again(
        users: Any, make_evaluation: Any, django_capture_on_commit_callbacks: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    cast(ev, 4)
    # a stored ballot the worker cannot read: the count fails midway
    broken = Ballot.objects.filter(evaluation=e).order_by("receipt")[2]
    good_payload = broken.payload
    Ballot.objects.filter(pk=broken.pk).update(payload="{not json")
    with django_capture_on_commit_callbacks(execute=False) as pending:
        do_close_evaluation(e, acting_user=users.organizer, background=True)
    for callback in pending:
        with contextlib.suppress(ValueError):  # the worker records the failure
            callback()
    e.refresh_from_db()
    assert e.state == State.CLOSING and e.tally_text == "" and e.ballot_count == 0
    assert not AuditEvent.objects.filter(action="evaluation.counted").exists()
    # the closing job leaves a count that still moves alone, and runs a stalled one again
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.resume_stalled_counts(timezone.now()) == 0
    Ballot.objects.filter(pk=broken.pk).update(payload=good_payload)
    with django_capture_on_commit_callbacks(execute=True):
        assert close_due(timezone.now() + dt.timedelta(minutes=10)) == 0
    e.refresh_from_db()
    assert e.state == State.CLOSED and e.ballot_count == 4 and e.tally_text == expected_tally(e)
    # a second job finds nothing to resume
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.resume_stalled_counts(timezone.now() + dt.timedelta(hours=1)) == 0


def test_results_reach_the_listeners_on_commit(users: Any, tree: Any, make_evaluation: Any,
                                               django_capture_on_commit_callbacks: Any) -> None:
    heard: list[dict[str, Any]] = []
    register_evaluation_result_listener(heard.append)
    try:
        ev = make_evaluation(state="ready")
        e = ev.evaluation
        Subject.objects.filter(evaluation=e, name="王建国").update(member=tree.alice)
        from dangjian.ballots.actions import do_open_evaluation

        ev.codes = do_open_evaluation(e, acting_user=users.organizer)
        e.refresh_from_db()
        cast(ev, 3, pick=3)  # every ballot: the lowest grade
        cast_more = ev.codes[3]
        do_cast_ballot(e, cast_more, ballot(e, 0))
        with django_capture_on_commit_callbacks(execute=True):
            do_close_evaluation(e, acting_user=users.organizer)
        assert heard == []  # closed, not yet decrypted
        with django_capture_on_commit_callbacks(execute=True):
            decrypt_all(ev)
        (result,) = heard
        assert result["evaluation"] == str(e.uuid) and result["ballots"] == 4 and not result["results_hidden"]
        assert result["kind"] == "cadre" and result["org_path"] == e.org_path
        assert result["options"] == ["优秀", "称职", "基本称职", "不称职"]
        wang, li = result["subjects"]
        assert wang["name"] == "王建国" and wang["member_id"] == tree.alice.pk and li["member_id"] is None
        assert wang["dimensions"] == [{"dimension": "德", "counts": [1, 0, 0, 3]},
                                      {"dimension": "总体评价", "counts": [1, 0, 0, 3]}]
        assert wang["flagged"] and {"dimension": "德", "rule": "lowest", "share": 75.0, "limit": 33} in wang["flags"]
        assert {"dimension": "德", "rule": "low", "share": 75.0, "limit": 50} in wang["flags"]
        # below the group minimum: announced when closing, without counts
        heard.clear()
        small = make_evaluation()
        cast(small, 2)
        with django_capture_on_commit_callbacks(execute=True):
            do_close_evaluation(small.evaluation, acting_user=users.organizer)
        (hidden,) = heard
        assert hidden["results_hidden"] and hidden["ballots"] == 2
        assert all(s["dimensions"] == [] and not s["flagged"] for s in hidden["subjects"])
    finally:
        unregister_evaluation_result_listener(heard.append)
