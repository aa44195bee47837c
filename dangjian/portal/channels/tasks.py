"""Background tasks of the channels app (django-tasks)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def process_entry(entry_id: int) -> str:
    """Run one outbox entry; if it is to run again later (a retry after a failure, or a wait for
    an older delivery of the same article), enqueue itself for then where the backend can defer
    (elsewhere the minute job ``retry_due_entries`` picks the entry up when it is due)."""
    from dangjian.core.outbox import schedule
    from dangjian.portal.channels.delivery import attempt

    status, again_at = attempt(entry_id)
    if again_at is not None:
        schedule(process_entry, entry_id, run_after=again_at)
    return status


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
