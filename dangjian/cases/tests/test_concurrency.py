from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dangjian.cases import CaseState
from dangjian.cases.actions import do_accept_case
from dangjian.cases.models import Case, CaseEvent


@pytest.mark.django_db(transaction=True)
def test_concurrent_acceptance_one_wins(make_case: Any, depts: Any) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs writing transactions one at a time; the race needs PostgreSQL")
    case = make_case()
    handlers = [depts.h1, depts.h2, depts.head, depts.h1]
    barrier = threading.Barrier(len(handlers))
    won: list[int] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def worker(user: Any) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            do_accept_case(Case.objects.get(pk=case.pk), acting_user=user)
            won.append(user.pk)
        except ValidationError as exc:
            refused.append(str(exc))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(u,)) for u in handlers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(won) == 1 and len(refused) == len(handlers) - 1
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.handler_id == won[0]
    assert CaseEvent.objects.filter(case=case, kind="accepted").count() == 1
