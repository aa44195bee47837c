"""Evaluations through their actions: settings, trustees, opening, casting, closing, decryption."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.ballots import crypto
from dangjian.ballots.actions import (
    CastRefused,
    do_cast_ballot,
    do_close_evaluation,
    do_create_evaluation,
    do_open_evaluation,
    do_register_trustee_key,
    do_set_trustees,
    do_submit_decryption,
    do_update_evaluation,
    normalize_code,
)
from dangjian.ballots.choices import State
from dangjian.ballots.models import AnswerTag, Ballot, Credential, Decryption, Result, RollEntry
from dangjian.ballots.selectors import bulletin, results
from dangjian.ballots.tests.conftest import SUBJECTS, ballot, decrypt_all, settings_data
from dangjian.ballots.verify import verify_bulletin

pytestmark = pytest.mark.django_db


def nothing_stored(e: Any, ballots: int = 0, used: int = 0) -> None:
    assert Ballot.objects.filter(evaluation=e).count() == ballots
    assert Credential.objects.filter(evaluation=e, used=True).count() == used
    assert AnswerTag.objects.filter(evaluation=e).count() == ballots * len(e.manifest["questions"])


# --- settings -------------------------------------------------------------------------------------------

def test_create_names_every_bad_field(tree: Any, users: Any) -> None:
    bad = settings_data(title="", scale="military", dimensions=["德", "德"], min_group=1, flag_lowest=101)
    bad["closes_at"] = bad["opens_at"]
    with pytest.raises(ValidationError) as exc:
        do_create_evaluation(tree.branch_a1, bad, subjects=[], acting_user=users.organizer)
    assert set(exc.value.message_dict) == {"title", "scale", "dimensions", "min_group", "flag_lowest", "closes_at",
                                           "subjects"}
    assert not tree.branch_a1.evaluations.exists()


def test_create_and_edit(tree: Any, users: Any) -> None:
    e = do_create_evaluation(tree.branch_a1, settings_data(), subjects=SUBJECTS, acting_user=users.organizer)
    assert e.state == State.DRAFT and e.org_path == tree.branch_a1.path and e.flag_lowest == 33
    assert [s.name for s in e.subjects.all()] == SUBJECTS
    do_update_evaluation(e, {"title": "新标题", "dimensions": "德、能"}, subjects=["甲", "乙", "丙"],
                         acting_user=users.organizer)
    e.refresh_from_db()
    assert e.title == "新标题" and e.dimensions == ["德", "能"] and e.subjects.count() == 3
    with pytest.raises(ValidationError) as exc:
        do_update_evaluation(e, {}, subjects=["甲", "甲"], acting_user=users.organizer)
    assert "subjects" in exc.value.message_dict


def test_out_of_scope_organizer_is_refused(tree: Any, users: Any, make_evaluation: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_create_evaluation(tree.branch_b1, settings_data(), subjects=SUBJECTS, acting_user=users.organizer)
    with pytest.raises(PermissionDenied):
        do_create_evaluation(tree.branch_a1, settings_data(), subjects=SUBJECTS, acting_user=users.member)
    ev = make_evaluation(state="draft")
    with pytest.raises(PermissionDenied):
        do_update_evaluation(ev.evaluation, {"title": "x"}, acting_user=users.discipline)


# --- trustees and opening ----------------------------------------------------------------------------------

def test_trustees_at_least_two_and_only_they_register_keys(users: Any, bt: Any, make_evaluation: Any) -> None:
    e = make_evaluation(state="draft").evaluation
    with pytest.raises(ValidationError) as exc:
        do_set_trustees(e, [bt.trustees[0], bt.trustees[0]], acting_user=users.organizer)
    assert "trustees" in exc.value.message_dict
    do_set_trustees(e, bt.trustees, acting_user=users.organizer)
    e.refresh_from_db()
    assert e.state == State.KEYS
    secret, public = crypto.keygen()
    proof = crypto.key_proof(str(e.uuid), 1, secret)
    with pytest.raises(PermissionDenied):
        do_register_trustee_key(e, public_key=public, key_proof=proof, acting_user=users.organizer)
    # trustee 2 cannot register a proof made for index 1
    with pytest.raises(ValidationError) as exc:
        do_register_trustee_key(e, public_key=public, key_proof=proof, acting_user=bt.trustees[1])
    assert "key_proof" in exc.value.message_dict
    do_register_trustee_key(e, public_key=public, key_proof=proof, acting_user=bt.trustees[0])
    with pytest.raises(ValidationError):
        do_register_trustee_key(e, public_key=public, key_proof=proof, acting_user=bt.trustees[0])
    with pytest.raises(ValidationError) as exc:
        do_open_evaluation(e, acting_user=users.organizer)
    assert "trustees" in exc.value.message_dict
    assert not RollEntry.objects.filter(evaluation=e).exists()


def test_open_freezes_roll_manifest_and_issues_hashed_codes(tree: Any, users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    codes = do_open_evaluation(e, extra_users=[users.member, users.publicity], acting_user=users.organizer)
    e.refresh_from_db()
    assert e.state == State.OPEN
    roll = list(e.roll.values_list("name", flat=True))
    # five members of branch A1 (alice's account is already on the roll through her membership), the publicity officer
    assert len(roll) == 6 and roll[-1] == "publicity-a" and "张爱丽" in roll
    m = e.manifest
    assert e.eid == crypto.manifest_fingerprint(m) == crypto.sha256hex(e.manifest_text.encode())
    assert m["roll_hash"] == crypto.roll_hash(roll) and m["voters"] == 6
    assert [q["subject"] for q in m["questions"]] == ["王建国", "王建国", "李秀英", "李秀英"]
    assert m["questions"][0]["options"] == ["优秀", "称职", "基本称职", "不称职"]
    assert len(codes) == 6 and len(set(codes)) == 6
    assert all(len(normalize_code(c)) == 24 for c in codes)
    stored = set(Credential.objects.filter(evaluation=e).values_list("code_hash", flat=True))
    assert len(stored) == 6
    assert not any(normalize_code(c) in h or c in h for c in codes for h in stored)
    assert not Credential.objects.filter(evaluation=e, voter__isnull=False).exists()
    with pytest.raises(ValidationError):
        do_update_evaluation(e, {"title": "x"}, acting_user=users.organizer)


def test_open_refused_when_roll_below_min_group(tree: Any, users: Any, make_evaluation: Any) -> None:
    e = make_evaluation(state="ready", min_group=10).evaluation
    with pytest.raises(ValidationError) as exc:
        do_open_evaluation(e, acting_user=users.organizer)
    assert "roll" in exc.value.message_dict
    e.refresh_from_db()
    assert e.state == State.KEYS and not e.manifest_text and not Credential.objects.filter(evaluation=e).exists()


# --- casting ---------------------------------------------------------------------------------------------

def test_cast_counts_once_per_credential(make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    receipt = do_cast_ballot(e, ev.codes[0].lower().replace("-", " "), ballot(e))
    b = Ballot.objects.get(evaluation=e)
    assert b.receipt == receipt == crypto.sha256hex(b.payload.encode())
    with pytest.raises(CastRefused) as exc:
        do_cast_ballot(e, ev.codes[0], ballot(e))
    assert exc.value.reason == "credential"
    for code in ("", "nonsense", "2222-2222-2222-2222-2222-2222", None):
        with pytest.raises(CastRefused):
            do_cast_ballot(e, code, ballot(e))
    nothing_stored(e, ballots=1, used=1)


def test_a_dead_code_is_refused_before_the_proofs_are_checked(make_evaluation: Any) -> None:
    """An unknown or spent code costs the server one look-up, not the ≈ 14 ms of the proofs: the
    refusal names the code even when the ballot is garbage too."""
    ev = make_evaluation()
    e = ev.evaluation
    do_cast_ballot(e, ev.codes[0], ballot(e))
    garbage = copy.deepcopy(ballot(e))
    garbage["answers"][0]["proof"]["s"] = "00" * 32
    for code in (ev.codes[0], "2222-2222-2222-2222-2222-2222"):
        with pytest.raises(CastRefused) as exc:
            do_cast_ballot(e, code, garbage)
        assert exc.value.reason == "credential"
    with pytest.raises(CastRefused) as exc:  # a live code with the same garbage: the proofs say no
        do_cast_ballot(e, ev.codes[1], garbage)
    assert exc.value.reason == "ballot"
    nothing_stored(e, ballots=1, used=1)


def test_invalid_ballot_refused_and_nothing_stored(make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    good = ballot(e)
    wrong_grade = copy.deepcopy(good)  # two ciphertexts swapped between answers: the sum proof fails
    wrong_grade["answers"][0]["proof"] = good["answers"][1]["proof"]
    bad_proof = copy.deepcopy(good)
    bad_proof["answers"][0]["choices"][0]["proof"]["c0"] = good["answers"][0]["choices"][1]["proof"]["c0"]
    short = copy.deepcopy(good)
    short["answers"].pop()
    other = copy.deepcopy(good)
    other["election"] = "0" * 64
    bads: list[Any] = [wrong_grade, bad_proof, short, other, {"answers": []}, []]
    for bad in bads:
        with pytest.raises(CastRefused) as exc:
            do_cast_ballot(e, ev.codes[0], bad)
        assert exc.value.reason == "ballot"
    nothing_stored(e)
    assert not Credential.objects.filter(used=True).exists()
    do_cast_ballot(e, ev.codes[0], good)  # the credential is still good
    nothing_stored(e, ballots=1, used=1)


def test_replayed_ballot_refused(make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    first = ballot(e)
    do_cast_ballot(e, ev.codes[0], first)
    with pytest.raises(CastRefused) as exc:
        do_cast_ballot(e, ev.codes[1], copy.deepcopy(first))
    assert exc.value.reason == "replay"
    # a ballot made of another voter's answer and fresh answers is refused too
    mixed = ballot(e)
    mixed["answers"][0] = first["answers"][0]
    with pytest.raises(CastRefused) as exc:
        do_cast_ballot(e, ev.codes[1], mixed)
    assert exc.value.reason == "replay"
    nothing_stored(e, ballots=1, used=1)
    do_cast_ballot(e, ev.codes[1], ballot(e))


def test_cast_refused_before_opening_and_after_closing(users: Any, make_evaluation: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    ev = make_evaluation(opens_at=timezone.now() + dt.timedelta(hours=1))
    e = ev.evaluation
    with pytest.raises(CastRefused) as exc:
        do_cast_ballot(e, ev.codes[0], ballot(e))
    assert exc.value.reason == "not_open"
    e.opens_at = timezone.now() - dt.timedelta(hours=1)
    e.save()
    do_close_evaluation(e, acting_user=users.organizer)
    with pytest.raises(CastRefused) as exc:
        do_cast_ballot(e, ev.codes[0], ballot(e))
    assert exc.value.reason == "closed"
    nothing_stored(e)


def test_cast_refused_when_closed_meanwhile(users: Any, make_evaluation: Any) -> None:
    """The copy the voter's request loaded still says "open": the check inside the transaction wins."""
    from dangjian.ballots.models import Evaluation

    ev = make_evaluation()
    stale = Evaluation.objects.get(pk=ev.evaluation.pk)
    do_close_evaluation(ev.evaluation, acting_user=users.organizer)
    with pytest.raises(CastRefused) as exc:
        do_cast_ballot(stale, ev.codes[0], ballot(stale))
    assert exc.value.reason == "closed"
    nothing_stored(stale)


# --- closing, decryption, results ----------------------------------------------------------------------------

def test_whole_evaluation_decrypts_to_the_votes_and_the_bulletin_verifies(users: Any, bt: Any,
                                                                          make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    votes = [[0, 0, 1, 3], [0, 1, 1, 3], [1, 0, 2, 3], [0, 0, 1, 2]]
    receipts = [do_cast_ballot(e, code, ballot(e, picks=p)) for code, p in zip(ev.codes, votes, strict=False)]
    do_close_evaluation(e, acting_user=users.organizer)
    e.refresh_from_db()
    assert e.state == State.CLOSED and e.ballot_count == 4
    assert e.tally == crypto.tally(e.manifest, [json.loads(b.payload) for b in Ballot.objects.all()])
    # a trustee's share that does not check is refused; another user may not decrypt
    t1 = e.trustees.get(index=1)
    shares = crypto.partial_decrypt(e.eid, 1, ev.secrets[1], e.tally)
    wrong = crypto.partial_decrypt(e.eid, 1, ev.secrets[2], e.tally)
    with pytest.raises(ValidationError) as exc:
        do_submit_decryption(e, shares=wrong, acting_user=t1.user)
    assert "shares" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        do_submit_decryption(e, shares=shares, acting_user=users.organizer)
    with pytest.raises(ValidationError):
        do_submit_decryption(e, shares=shares[:1], acting_user=t1.user)
    assert not Decryption.objects.exists()
    decrypt_all(ev)
    assert e.state == State.TALLIED
    counts = [r.counts for r in Result.objects.filter(evaluation=e)]
    assert counts == [[3, 1, 0, 0], [3, 1, 0, 0], [0, 3, 1, 0], [0, 0, 1, 3]]
    rows = results(e)
    assert [r["subject"].name for r in rows] == SUBJECTS
    assert rows[0]["flags"] == []
    # 李秀英: 不称职 3 of 4 overall (≥ 33 %), and the two lowest ≥ 50 %
    assert len(rows[1]["flags"]) == 2 and rows[1]["flags"][0].startswith("总体评价")
    b = bulletin(e)
    assert sorted(receipts) == [crypto.sha256hex(crypto.canon(x)) for x in b["ballots"]]
    assert verify_bulletin(json.loads(json.dumps(b)))["result"] == counts


def test_below_min_group_nothing_is_decrypted(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation(min_group=3)
    e = ev.evaluation
    for code in ev.codes[:2]:
        do_cast_ballot(e, code, ballot(e))
    do_close_evaluation(e, acting_user=users.organizer)
    e.refresh_from_db()
    assert e.state == State.TALLIED and e.results_hidden
    assert results(e) == []
    t1 = e.trustees.get(index=1)
    with pytest.raises(ValidationError):
        do_submit_decryption(e, shares=crypto.partial_decrypt(e.eid, 1, ev.secrets[1], e.tally), acting_user=t1.user)
    b = bulletin(e)
    assert b["decryptions"] == [] and b["result"] is None
    assert verify_bulletin(json.loads(json.dumps(b)))["result"] is None


def test_close_due_closes_past_evaluations(make_evaluation: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from dangjian.ballots.actions import close_due

    ev = make_evaluation()
    assert close_due() == 0
    assert close_due(timezone.now() + dt.timedelta(hours=3)) == 1
    ev.evaluation.refresh_from_db()
    assert ev.evaluation.state == State.TALLIED  # no ballot: below the minimum group


def test_the_scheduled_job_closes_evaluations_past_their_closing_time(make_evaluation: Any) -> None:
    """``ballots.close_due`` (every 5 minutes, registered in apps.py) names this task; run as the
    worker runs it, it closes what is due and nothing else."""
    from django.utils.module_loading import import_string

    from dangjian.ballots.models import Evaluation
    from dangjian.core.scheduler import JOBS

    task = import_string(JOBS["ballots.close_due"].task_path)
    due = make_evaluation().evaluation
    open_one = make_evaluation().evaluation
    Evaluation.objects.filter(pk=due.pk).update(closes_at=due.opens_at)  # its time has passed
    assert task.call() == 1
    due.refresh_from_db()
    open_one.refresh_from_db()
    assert due.state == State.TALLIED and open_one.state == State.OPEN
