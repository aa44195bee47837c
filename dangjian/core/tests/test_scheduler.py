import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from dangjian.core.models import Delivery, SchedulerTick
from dangjian.core.scheduler import JOBS, Job, build_scheduler, fire


def test_jobs_registered_and_scheduler_builds():
    assert "notifications.retry_due" in JOBS
    scheduler = build_scheduler(blocking=False)
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids >= {"notifications.retry_due", "core.prune_scheduler_ticks"}


def test_a_tick_fires_once(db, django_capture_on_commit_callbacks):
    job = Job("test.prune", "* * * * *", "dangjian.core.tasks.prune_scheduler_ticks")
    at = timezone.now().replace(second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert fire(job, at) is True
        assert fire(job, at) is False
        assert fire(job, at + dt.timedelta(minutes=1)) is True
    assert len(callbacks) == 2
    assert SchedulerTick.objects.filter(job="test.prune").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_schedulers_fire_a_tick_once():
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite test database is not shared between threads")
    job = Job("test.concurrent", "* * * * *", "dangjian.core.tasks.prune_scheduler_ticks")
    at = timezone.now().replace(second=0, microsecond=0)
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        try:
            results.append(fire(job, at))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]


def test_retry_job_resends_due_deliveries(users, settings):
    from dangjian.core.models.notifications import Channel, DeliveryStatus
    from dangjian.core.notifications import notify
    from dangjian.core.notifications.tasks import retry_due_deliveries

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users.secretary.email = "sec@example.org"
    users.secretary.save()
    from dangjian.core.notifications.actions import do_update_notification_preferences

    do_update_notification_preferences(users.secretary, {"*": {"email": True}}, acting_user=users.secretary)
    notify([users.secretary], "test.kind", title="t", body="b")
    # Make a failed e-mail delivery that is due now, as a crashed send would leave it.
    deliveries = Delivery.objects.filter(channel=Channel.EMAIL)
    assert deliveries.count() == 1
    deliveries.update(status=DeliveryStatus.FAILED, next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert retry_due_deliveries.call() == deliveries.count()
    assert set(Delivery.objects.filter(channel=Channel.EMAIL).values_list("status", flat=True)) == {DeliveryStatus.SENT}
