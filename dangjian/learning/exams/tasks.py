"""Periodic work of exams: marking attempts whose time ran out (every minute, scheduled in
``apps.py``). Drawing papers ahead is ``preparation.prepare_exam``."""

from django_tasks import task


@task()
def finish_expired_attempts() -> int:
    from dangjian.learning.exams.actions import finish_expired

    return finish_expired()
