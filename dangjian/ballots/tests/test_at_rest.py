"""After closing, the raw tables no longer keep the order in which ballots came in."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.db import connection, transaction

from dangjian.ballots import crypto
from dangjian.ballots.actions import do_cast_ballot, do_close_evaluation
from dangjian.ballots.models import AnswerTag, Ballot, Credential
from dangjian.ballots.rest import forget_arrival_order
from dangjian.ballots.tests.conftest import ballot, decrypt_all


def _physical(model: Any, column: str, evaluation: Any) -> list[str]:
    """The column's values in the order the database stores the rows (not an ORDER BY of ours)."""
    table = model._meta.db_table
    position = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE evaluation_id = %s ORDER BY {position}",  # noqa: S608
                       [evaluation.pk])
        return [row[0] for row in cursor.fetchall()]


def _cast_in_an_order_that_is_not_sorted(ev: Any) -> list[str]:
    """Cast a ballot on every code, the one with the highest receipt first (so the arrival order is
    never the sorted one)."""
    e = ev.evaluation
    ballots = sorted((ballot(e) for _code in ev.codes), key=lambda b: crypto.sha256hex(crypto.canon(b)), reverse=True)
    receipts = [do_cast_ballot(e, code, b) for code, b in zip(ev.codes, ballots, strict=True)]
    assert receipts == sorted(receipts, reverse=True)
    return receipts


def _writers(model: Any, evaluation: Any) -> int:
    """PostgreSQL: how many (sub)transactions wrote the evaluation's current rows (``xmin``)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT xmin::text) FROM {model._meta.db_table} WHERE evaluation_id = %s",  # noqa: S608
                       [evaluation.pk])
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_closing_rewrites_ballots_tags_and_credentials_in_content_order(users: Any, make_evaluation: Any) -> None:
    """SQLite keeps rows in rowid order: after closing it is content order. PostgreSQL places a
    new row where its free-space map says, so the order on disk is not sorted there; what shows
    the rewrite is that every row is then a version written by the closing (one ``xmin``), where
    before each cast's rows carried their own — the link between a used code and its ballot."""
    ev = make_evaluation()
    e = ev.evaluation
    receipts = _cast_in_an_order_that_is_not_sorted(ev)
    assert _physical(Ballot, "receipt", e) == receipts  # before: the database remembers the arrival order
    if connection.vendor == "postgresql":
        assert _writers(Ballot, e) == len(receipts) and _writers(AnswerTag, e) == len(receipts)
    do_close_evaluation(e, acting_user=users.organizer)
    ballots, tags, hashes = (_physical(Ballot, "receipt", e), _physical(AnswerTag, "tag", e),
                             _physical(Credential, "code_hash", e))
    assert sorted(ballots) == sorted(receipts)
    assert len(tags) == len(receipts) * len(e.manifest["questions"]) and len(hashes) == len(ev.codes)
    if connection.vendor == "sqlite":
        assert ballots == sorted(receipts) and tags == sorted(tags) and hashes == sorted(hashes)
    else:
        assert _writers(Ballot, e) == _writers(AnswerTag, e) == _writers(Credential, e) == 1
    assert Credential.objects.filter(evaluation=e, used=True).count() == len(receipts)


@pytest.mark.django_db(transaction=True)
def test_rewriting_keeps_every_row_and_refuses_outside_a_transaction(make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    _cast_in_an_order_that_is_not_sorted(ev)
    before = {m: sorted(m.objects.filter(evaluation=e).values_list(*[f.attname for f in m._meta.concrete_fields]))
              for m in (Ballot, AnswerTag, Credential)}
    with pytest.raises(RuntimeError, match="inside the closing transaction"):
        forget_arrival_order(e)
    with transaction.atomic():
        forget_arrival_order(e)
    after = {m: sorted(m.objects.filter(evaluation=e).values_list(*[f.attname for f in m._meta.concrete_fields]))
             for m in (Ballot, AnswerTag, Credential)}
    assert after == before


def _every_stored_text() -> list[str]:
    """Every value of every row of every table of the database, as text."""
    out: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the introspection
            out.extend(str(v) for row in cursor.fetchall() for v in row if v is not None)
    return out


@pytest.mark.django_db
def test_the_server_stores_no_decryption_key(users: Any, make_evaluation: Any) -> None:
    """Everything the database holds after a whole election: no scalar in it is a trustee's secret
    (no 64-hex value x anywhere with x·G equal to a trustee's key or the election key)."""
    ev = make_evaluation()
    e = ev.evaluation
    for code in ev.codes:
        do_cast_ballot(e, code, ballot(e, pick=1))
    do_close_evaluation(e, acting_user=users.organizer)
    decrypt_all(ev)
    e.refresh_from_db()
    assert e.state == "tallied"
    keys = {t["public_key"] for t in e.manifest["trustees"]} | {e.manifest["public_key"]}
    stored = _every_stored_text()
    candidates = {m for text in stored for m in re.findall(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])", text)}
    assert len(candidates) > 100  # the ballots, proofs and shares are all there …
    for secret in ev.secrets.values():
        assert secret not in candidates
    for value in candidates:  # … and none of them is a key
        raw = bytes.fromhex(value)
        if int.from_bytes(raw, "little") < crypto.L:
            assert crypto._base(raw).hex() not in keys


@pytest.mark.django_db
def test_casting_logs_nothing_and_keeps_the_code_nowhere(client: Any, make_evaluation: Any,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    code = ev.codes[0]
    b = ballot(e)
    caplog.set_level(logging.DEBUG)
    resp = client.post(f"/api/v1/ballots/evaluations/{e.uuid}/cast", {"credential": code, "ballot": b},
                       content_type="application/json")
    assert resp.status_code == 200, resp.content
    receipt = resp.json()["receipt"]
    again = client.post(f"/api/v1/ballots/evaluations/{e.uuid}/cast", {"credential": code, "ballot": ballot(e)},
                        content_type="application/json")
    assert again.status_code == 403
    secrets_of_the_cast = {code, code.replace("-", ""), receipt, *(a["choices"][0]["alpha"] for a in b["answers"])}
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    for value in secrets_of_the_cast:
        assert value not in logged
    stored = "\n".join(_every_stored_text())
    assert code not in stored and code.replace("-", "") not in stored  # only its salted hash is kept
