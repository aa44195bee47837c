"""What the database keeps after an election, and concurrent use of one credential."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, models

from dangjian.ballots.actions import CastRefused, do_cast_ballot, do_close_evaluation
from dangjian.ballots.models import AnswerTag, Ballot, Credential, Evaluation
from dangjian.ballots.tests.conftest import ballot, decrypt_all


@pytest.mark.django_db(transaction=True)
def test_one_credential_from_20_threads_counts_once(make_evaluation: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database locks tables between threads; the race needs PostgreSQL")
    ev = make_evaluation()
    e = ev.evaluation
    ballots = [ballot(e) for _i in range(20)]  # distinct ballots, all valid
    barrier = threading.Barrier(20)
    won: list[str] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def worker(b: dict[str, Any]) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            won.append(do_cast_ballot(Evaluation.objects.get(pk=e.pk), ev.codes[0], b))
        except CastRefused as exc:
            refused.append(exc.reason)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(b,)) for b in ballots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(won) == 1 and refused == ["credential"] * 19
    assert Ballot.objects.filter(evaluation=e).count() == 1
    assert Credential.objects.filter(evaluation=e, used=True).count() == 1
    assert AnswerTag.objects.filter(evaluation=e).count() == len(e.manifest["questions"])


def _rows(model: type[models.Model]) -> list[dict[str, Any]]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.mark.django_db
def test_nothing_stored_links_a_ballot_to_a_voter_or_a_credential(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    for code in ev.codes[:4]:
        do_cast_ballot(e, code, ballot(e))
    do_close_evaluation(e, acting_user=users.organizer)
    decrypt_all(ev)
    ballot_models = list(apps.get_app_config("ballots").get_models())
    voter_side = {Credential._meta.db_table, "ballots_rollentry"}
    for model in ballot_models:
        fields = {f.column for f in model._meta.concrete_fields}
        rows = _rows(model)
        assert rows or model._meta.db_table in ("ballots_decryption",)
        for row in rows:
            assert set(row) == fields  # no column outside the model
        # no timestamp on anything a voter touches while casting
        if model in (Ballot, AnswerTag, Credential):
            assert not any(isinstance(f, models.DateTimeField | models.DateField) for f in model._meta.concrete_fields)
            assert all(isinstance(f, models.UUIDField) for f in model._meta.concrete_fields if f.primary_key)
    # a ballot row: its random key, the evaluation, the payload and its hash — nothing else
    assert {f.column for f in Ballot._meta.concrete_fields} == {"id", "evaluation_id", "payload", "receipt"}
    assert {f.column for f in AnswerTag._meta.concrete_fields} == {"id", "evaluation_id", "tag"}
    # (the serial is the number printed on a slip: voter side only, checked against the ballot side below)
    assert {f.column for f in Credential._meta.concrete_fields} == {"id", "evaluation_id", "voter_id", "code_hash",
                                                                   "used", "serial"}
    # no value of a ballot-side row appears in a voter-side row, and the other way round
    ballot_values = {str(v) for m in (Ballot, AnswerTag) for r in _rows(m) for k, v in r.items()
                     if k != "evaluation_id"}
    voter_values = {str(v) for t in voter_side for r in _rows(apps.get_model("ballots", t.split("_", 1)[1]))
                    for k, v in r.items() if k not in ("evaluation_id", "used", "position") and v is not None}
    assert not ballot_values & voter_values
    assert all(r["voter_id"] is None for r in _rows(Credential))
    # the ballots come back by receipt, whatever order they were cast in
    assert list(Ballot.objects.values_list("receipt", flat=True)) == sorted(Ballot.objects.values_list("receipt",
                                                                                                        flat=True))
    # the payload stored is the ballot itself: encrypted, no plain pick in it
    for row in _rows(Ballot):
        payload = json.loads(row["payload"])
        assert set(payload) == {"answers", "election"}
    # the audit trail of the election says nothing about who cast what, or when a ballot came in
    from dangjian.core.models import AuditEvent

    actions = set(AuditEvent.objects.filter(target_id=str(e.pk)).values_list("action", flat=True))
    assert actions and not any("cast" in a or "ballot" in a for a in actions)
