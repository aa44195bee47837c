"""Core periodic tasks."""

from django_tasks import task

from dangjian.core.scheduler import prune_ticks


@task()
def prune_scheduler_ticks() -> int:
    return prune_ticks()
