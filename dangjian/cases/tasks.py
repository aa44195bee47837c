"""Periodic work of the case engine (scheduled in ``apps.py``)."""

from django_tasks import task


@task()
def supervise_cases() -> dict[str, int]:
    """Deadline reminders and overdue escalation (idempotent: safe to run twice)."""
    from dangjian.cases.actions import run_supervision

    return run_supervision()


@task()
def supervise_incidents() -> dict[str, int]:
    """Every 15 minutes: escalate incidents past their due hour (idempotent)."""
    from dangjian.cases.actions import run_incident_supervision

    return run_incident_supervision()
