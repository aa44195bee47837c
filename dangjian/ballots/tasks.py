"""Periodic work of democratic evaluations (scheduled in ``apps.py``)."""

from django_tasks import task


@task()
def close_due_evaluations() -> int:
    """Close the evaluations whose closing time has passed (idempotent)."""
    from dangjian.ballots.actions import close_due

    return close_due()
