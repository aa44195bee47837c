"""The outbox: one mechanism for every outgoing message.

An outbox is a table of rows to send (notification deliveries in ``core``, article deliveries of
the portal's channels) with the columns ``status``, ``attempts``, ``next_attempt_at`` and
``last_error``. ``Outbox`` owns what the senders share:

- **claiming** rows so that each is sent once however many workers run: on PostgreSQL one
  ``SELECT … FOR UPDATE SKIP LOCKED`` picks a batch no other worker holds, then one UPDATE marks
  it; on SQLite (no row locks, one writer at a time) a conditional UPDATE in the transaction that
  read the candidates claims them, matching only rows still claimable. A claim sets ``status`` to *sending*, counts the attempt and lasts
  ``claim_seconds``: a worker that dies mid-send leaves the row claimable again after that;
- **back-off**: after the n-th failure the row waits ``base × 2^(n−1)`` seconds (capped), plus a
  random jitter of up to ``JITTER`` of that, so rows that failed together do not retry together;
- **giving up** after ``<PREFIX>_MAX_ATTEMPTS`` attempts, or at once on a permanent error, keeping
  the last error on the row;
- **the log line** of a failure, which names the row, the channel and the attempt, never personal
  data: e-mail addresses and long digit runs (phone and ID numbers) in the error are replaced.

Settings per outbox (``prefix`` ``NOTIFY`` or ``CHANNELS``): ``<PREFIX>_MAX_ATTEMPTS``,
``<PREFIX>_RETRY_BASE_SECONDS`` (60), ``<PREFIX>_RETRY_MAX_SECONDS`` (6 h).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import F, Model, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

#: The random part of a retry's delay, as a share of the back-off (0 … 25 % more).
JITTER = 0.25
MAX_ERROR_LENGTH = 2000

_EMAIL = re.compile(r"[^\s<>()'\"{},;:]+@[^\s<>()'\"{},;:]+")
_LONG_NUMBER = re.compile(r"\+?\d[\d -]{5,}\d[\dXx]?")


class _ClaimRaced(Exception):
    """Another writer changed candidate rows between the read and the claim (see ``claim``)."""


def redact(text: str) -> str:
    """``text`` without e-mail addresses and digit runs of 7 or more (phone, ID numbers)."""
    return _LONG_NUMBER.sub("<number>", _EMAIL.sub("<e-mail>", text))


def error_text(exc: BaseException) -> str:
    """What is stored in ``last_error``: the exception's class and message, cut to length."""
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts and back-off of one outbox, from the settings ``<prefix>_MAX_ATTEMPTS``,
    ``<prefix>_RETRY_BASE_SECONDS`` (60) and ``<prefix>_RETRY_MAX_SECONDS`` (6 h)."""

    prefix: str
    default_attempts: int = 5

    def max_attempts(self) -> int:
        return max(1, int(getattr(settings, f"{self.prefix}_MAX_ATTEMPTS", self.default_attempts)))

    def backoff(self, attempts: int) -> dt.timedelta:
        """The least wait after the ``attempts``-th failure: base × 2^(attempts−1), capped."""
        base = int(getattr(settings, f"{self.prefix}_RETRY_BASE_SECONDS", 60))
        cap = int(getattr(settings, f"{self.prefix}_RETRY_MAX_SECONDS", 6 * 3600))
        return dt.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))

    def retry_delay(self, attempts: int) -> dt.timedelta:
        """The wait actually used: the back-off plus 0 … ``JITTER`` of it at random."""
        return self.backoff(attempts) * (1 + random.random() * JITTER)  # noqa: S311 - spreading retries, not a secret


@dataclass(frozen=True)
class Outbox:
    """The claim and outcome rules of one outbox table (``model``), with its retry policy."""

    model: type[Model]
    name: str  # in log lines, e.g. "notification delivery"
    policy: RetryPolicy
    pending: str = "pending"
    sending: str = "sending"
    failed: str = "failed"
    gave_up: str = "gave_up"
    claim_seconds: int = 300

    # --- claiming -------------------------------------------------------------------------
    def claimable(self, now: dt.datetime, *, due_only: bool = True) -> Q:
        """Rows a worker may claim at ``now``: waiting (and due), failed and due, or claimed by a
        worker whose claim expired. ``due_only=False`` also takes failed rows whose retry is not
        due yet (an explicit "send this now")."""
        waiting = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        failed = Q(status=self.failed) & waiting if due_only else Q(status=self.failed)
        return (Q(status=self.pending) & waiting) | failed | Q(status=self.sending, next_attempt_at__lt=now)

    def due(self, now: dt.datetime | None = None, *, limit: int = 5000) -> list[int]:
        """Ids of the rows due at ``now``, oldest first (not claimed: for enqueuing)."""
        now = now or timezone.now()
        qs = self.model._default_manager.filter(self.claimable(now))
        return list(qs.order_by("pk").values_list("pk", flat=True)[:limit])

    def claim(self, *, ids: Iterable[int] | None = None, now: dt.datetime | None = None, limit: int = 100,
              due_only: bool = True) -> list[int]:
        """Claim up to ``limit`` claimable rows (among ``ids`` if given), oldest first; return the
        ids claimed. Each row is claimed by one caller only, on every database."""
        now = now or timezone.now()
        manager = self.model._default_manager
        rule = self.claimable(now, due_only=due_only)
        qs = manager.filter(rule)
        if ids is not None:
            qs = qs.filter(pk__in=list(ids))
        claim = {"status": self.sending, "attempts": F("attempts") + 1,
                 "next_attempt_at": now + dt.timedelta(seconds=self.claim_seconds)}
        db = router.db_for_write(self.model)
        if connections[db].features.has_select_for_update_skip_locked:
            with transaction.atomic(using=db):
                picked = list(qs.select_for_update(skip_locked=True).order_by("pk")
                              .values_list("pk", flat=True)[:limit])
                if picked:
                    manager.filter(pk__in=picked).update(**claim)
                return picked
        # SQLite: one writer at a time, and a transaction's reads and writes see one snapshot, so
        # the candidates read here are claimed by the UPDATE in the same transaction — all of them,
        # or the transaction fails. Should the counts ever differ, claim row by row instead.
        try:
            with transaction.atomic(using=db):
                candidates = list(qs.order_by("pk").values_list("pk", flat=True)[:limit])
                if candidates and manager.filter(rule, pk__in=candidates).update(**claim) != len(candidates):
                    raise _ClaimRaced
                return candidates
        except _ClaimRaced:
            with transaction.atomic(using=db):
                candidates = list(qs.order_by("pk").values_list("pk", flat=True)[:limit])
                return [pk for pk in candidates if manager.filter(rule, pk=pk).update(**claim)]

    def current_status(self, pk: int) -> str:
        return self.model._default_manager.filter(pk=pk).values_list("status", flat=True).first() or "missing"

    # --- outcomes -------------------------------------------------------------------------
    def failure(self, attempts: int, exc: BaseException, *, permanent: bool, now: dt.datetime) -> dict[str, Any]:
        """The fields to store after the ``attempts``-th attempt failed with ``exc``: failed with
        the next attempt due after the back-off, or given up (permanent error, last attempt)."""
        give_up = permanent or attempts >= self.policy.max_attempts()
        return {
            "status": self.gave_up if give_up else self.failed,
            "last_error": error_text(exc),
            "next_attempt_at": None if give_up else now + self.policy.retry_delay(attempts),
        }

    def record(self, pk: int, fields: dict[str, Any]) -> bool:
        """Store an attempt's outcome, if the row is still claimed (exactly once per claim)."""
        return bool(self.model._default_manager.filter(pk=pk, status=self.sending).update(**fields))

    def record_many(self, rows: dict[int, dict[str, Any]], **common: Any) -> int:
        """Store the outcomes of many attempts in one UPDATE: ``common`` fields for all, the
        fields in ``rows`` per row (the same names for each); only rows still claimed.

        Written as ``SET col = CASE pk WHEN … END``: the ORM's ``Case(When(pk=…))`` for a batch of
        100 costs more to compile than the UPDATE costs to run."""
        if not rows:
            return 0
        meta = self.model._meta
        fields = {f.name: f for f in meta.concrete_fields}
        db = router.db_for_write(self.model)
        connection = connections[db]
        qn = connection.ops.quote_name

        def column(field: Any) -> str:
            return qn(str(field.column))

        pk_column = column(meta.pk)
        sets: list[str] = []
        params: list[Any] = []
        for name, value in common.items():
            sets.append(f"{column(fields[name])} = %s")
            params.append(fields[name].get_db_prep_save(value, connection))
        for name in sorted({name for values in rows.values() for name in values}):
            sets.append(f"{column(fields[name])} = CASE {pk_column} " + " ".join(["WHEN %s THEN %s"] * len(rows)) + " END")
            for pk, values in rows.items():
                params += [pk, fields[name].get_db_prep_save(values[name], connection)]
        # names quoted from the model's metadata, every value a parameter
        sql = (f"UPDATE {qn(meta.db_table)} SET {', '.join(sets)} "  # noqa: S608
               f"WHERE {pk_column} IN ({', '.join(['%s'] * len(rows))}) AND {column(fields['status'])} = %s")
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(sql, [*params, *rows, self.sending])
            return cursor.rowcount

    def log_failure(self, pk: int, channel: str, attempts: int, fields: dict[str, Any], detail: str = "") -> None:
        """One log line per failed attempt, without personal data."""
        give_up = fields["status"] == self.gave_up
        (logger.error if give_up else logger.warning)(
            "%s %s (%s%s) attempt %s failed%s: %s", self.name, pk, channel, f" {detail}" if detail else "",
            attempts, " — giving up" if give_up else "", redact(fields["last_error"]),
        )


def schedule(task: Any, pk: int, *, run_after: dt.datetime) -> bool:
    """Enqueue ``task(pk)`` to run after ``run_after`` once the surrounding transaction commits.
    False if the task backend cannot defer (the immediate backend in tests): the periodic sweep
    of the outbox then picks the row up when it is due."""
    if not task.get_backend().supports_defer:
        return False
    transaction.on_commit(lambda: task.using(run_after=run_after).enqueue(pk))
    return True
