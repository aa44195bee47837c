"""Periodic work of the service centre (scheduled in ``apps.py``)."""

from django_tasks import task


@task()
def sweep_deadlines() -> dict[str, int]:
    """Warn at 50/80/100 % of each running step's working days; escalate the overdue ones once."""
    from dangjian.services.actions import sweep_deadlines as sweep

    return sweep()
