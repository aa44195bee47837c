"""The one sequence-number generator (``core.sequences``): per key and period, gapless in
committed transactions, never the same number twice under concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from dangjian.core.models import SequenceCounter
from dangjian.core.sequences import next_value


@pytest.mark.django_db
def test_each_key_and_period_counts_on_its_own() -> None:
    assert [next_value("cases.case", "2026") for _ in range(3)] == [1, 2, 3]
    assert next_value("cases.case", "2027") == 1
    assert next_value("transfers.letter", "2026") == 1
    assert next_value("cases.case", "2026") == 4
    assert SequenceCounter.objects.get(key="cases.case", period="2026").last == 4


@pytest.mark.django_db
def test_a_rolled_back_caller_gives_its_number_back() -> None:
    next_value("opinions.tracking", "20261125")
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_value("opinions.tracking", "20261125") == 2
        raise RuntimeError("the caller's write failed")
    assert next_value("opinions.tracking", "20261125") == 2


@pytest.mark.django_db
def test_counting_continues_from_a_counter_already_there() -> None:
    SequenceCounter.objects.create(key="cases.case", period="2026", last=41)
    assert next_value("cases.case", "2026") == 42


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_never_share_a_number() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database is not shared between threads; the race needs PostgreSQL")
    workers = 8
    barrier = threading.Barrier(workers)
    got: list[int] = []
    errors: list[BaseException] = []

    def take() -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    got.append(next_value("race", "2026"))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=take) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(got) == list(range(1, workers * 5 + 1))
