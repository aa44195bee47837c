"""Forget the order in which ballots came in.

A ballot row has no time, no user and no credential, and lists by receipt; but a database keeps
rows in the order they were written (SQLite's hidden ``rowid``, PostgreSQL's heap), and so do the
rows of the answer tags and of the credentials marked used. Someone holding the raw database file
and an outside record of when each voter voted (a door list, an access log) could line the two up.
When an evaluation closes, ``forget_arrival_order`` rewrites those three tables' rows for the
evaluation in an order that says nothing: ballots by receipt, tags by tag, credentials by hash.
On SQLite ``secure_delete`` zeroes the old rows' bytes; on PostgreSQL the old row versions stay
on disk until VACUUM reclaims them (autovacuum does; docs/security.md says what is left).

Secrecy does not rest on this: every ballot is encrypted and only the tally is ever decrypted.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from dangjian.ballots.models import AnswerTag, Ballot, Credential, Evaluation


def forget_arrival_order(evaluation: Evaluation) -> None:
    """Rewrite the evaluation's ballots, answer tags and credentials in content order. Must run in
    the transaction that ends voting (nothing may be cast meanwhile)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("forget_arrival_order must run inside the closing transaction")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")
    _rewrite(Ballot, "receipt", evaluation)
    _rewrite(AnswerTag, "tag", evaluation)
    _rewrite(Credential, "code_hash", evaluation)


def _rewrite(model: type[Ballot] | type[AnswerTag] | type[Credential], key: str, evaluation: Evaluation) -> None:
    rows: list[Any] = list(model.objects.filter(evaluation=evaluation).order_by(key))
    model.objects.filter(evaluation=evaluation).delete()
    model.objects.bulk_create(rows, batch_size=500)
