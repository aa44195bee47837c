"""Daily jobs of the lifecycle module (registered in ``apps.py``; the scheduler only enqueues)."""

from django_tasks import task


@task()
def expire_certificates() -> int:
    from dangjian.members.lifecycle.actions import do_expire_certificates

    return do_expire_certificates()


@task()
def send_report_reminders() -> int:
    from dangjian.members.lifecycle.actions import do_send_report_reminders

    return do_send_report_reminders()
