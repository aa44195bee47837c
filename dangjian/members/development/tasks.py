"""Periodic tasks of the development pipeline."""

from django_tasks import task

from dangjian.members.development.deadlines import run_deadline_checks


@task()
def development_deadlines() -> dict[str, int]:
    """Daily: reminders before and warnings after the pipeline's deadlines (idempotent)."""
    return run_deadline_checks()
