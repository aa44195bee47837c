"""Periodic tasks of organizational life (registered with core.scheduler in apps.py)."""

from django_tasks import task


@task()
def remind_missing_assemblies() -> int:
    """Daily: before a quarter ends, remind branches with no assembly held or planned in it."""
    from dangjian.orglife.actions import do_send_assembly_reminders

    return do_send_assembly_reminders()
