"""Background tasks of the channels app (django-tasks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django_tasks import task


@task()
def process_entry(entry_id: int) -> str:
    from dangjian.portal.channels.delivery import deliver

    return deliver(entry_id, retry=schedule)


def schedule(entry_id: int, run_after: dt.datetime) -> bool:
    """Enqueue ``process_entry`` to run after ``run_after``. False where the backend cannot defer
    (the immediate backend in tests): the periodic ``retry_due_entries`` picks the entry up."""
    if not process_entry.get_backend().supports_defer:
        return False
    transaction.on_commit(lambda: process_entry.using(run_after=run_after).enqueue(entry_id))
    return True


def enqueue_entry(entry_id: int) -> None:
    process_entry.enqueue(entry_id)


@task()
def retry_due_entries() -> int:
    """Every minute (scheduler job ``channels.retry_due``): enqueue each entry whose retry is due,
    whose worker died mid-delivery, or whose first enqueue was lost."""
    from dangjian.portal.channels.delivery import due_entries

    ids = due_entries()
    for pk in ids:
        process_entry.enqueue(pk)
    return len(ids)


@task()
def fetch_wechat_read_counts() -> dict[str, Any]:
    """Daily (scheduler job ``channels.wechat_reads``): WeChat's read counts of our articles into
    the portal's view statistics (``readcounts.py``)."""
    from dangjian.portal.channels.readcounts import do_fetch_wechat_read_counts

    return do_fetch_wechat_read_counts()
