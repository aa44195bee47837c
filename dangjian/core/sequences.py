"""The one sequence-number generator: per key and per period (a year, a day), gapless inside
committed transactions, safe under concurrency on SQLite and PostgreSQL.

``next_value("cases.case", "2026")`` takes the next number in one statement — an upsert that
creates the period's counter row or adds one to it and returns the value
(``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, SQLite ≥ 3.35 and PostgreSQL). Called inside
the caller's write transaction, the row stays write-locked until the caller commits, so two
callers can never get the same number and a rolled-back caller gives its number back."""

from __future__ import annotations

from django.db import connection, transaction

from dangjian.core.models import SequenceCounter


def next_value(key: str, period: str) -> int:
    """The next number (1, 2, …) of ``key`` in ``period``."""
    q = connection.ops.quote_name
    table = q(SequenceCounter._meta.db_table)
    key_col, period_col, last_col = q("key"), q("period"), q("last")
    sql = (f"INSERT INTO {table} ({key_col}, {period_col}, {last_col}) VALUES (%s, %s, 1) "  # noqa: S608 - our names
           f"ON CONFLICT ({key_col}, {period_col}) DO UPDATE SET {last_col} = {table}.{last_col} + 1 "
           f"RETURNING {last_col}")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [key, period])
        return int(cursor.fetchone()[0])
