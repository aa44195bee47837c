"""E-mail deliveries through a real (local) SMTP server; retries, giving up, idempotence, and the
task plumbing (ImmediateBackend, a deferring backend, and the database backend's worker)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from dangjian.core.models import Delivery, NotificationPreference
from dangjian.core.notifications import notify
from dangjian.core.notifications.tasks import backoff, deliver, due_deliveries, run_due_now, send_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _test_backends(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def member(users):
    user = users.member
    user.email = "alice@example.com"
    user.save(update_fields=["email"])
    NotificationPreference.objects.create(user=user, kind="*", email=True)
    return user


def send(member, capture, **kw):
    with capture(execute=True):
        notify(member, "meeting.reminder", title=kw.get("title", "支部大会通知"),
               body=kw.get("body", "本周五下午三点召开支部党员大会。"), url="/orglife/42")
    return Delivery.objects.order_by("-pk").first()


def test_email_is_sent_over_smtp(smtp, member, django_capture_on_commit_callbacks):
    delivery = send(member, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 1 and delivery.sent_at is not None
    (msg,) = smtp.messages
    assert msg.mail_from == "noreply@dangjian.test" and msg.rcpt_tos == ["alice@example.com"]
    assert msg.message["Subject"] == "支部大会通知"
    assert "本周五下午三点召开支部党员大会。" in msg.text
    assert "https://dj.example.cn/orglife/42" in msg.text
    assert msg.message["Message-ID"] == delivery.provider_message_id
    assert msg.message["X-Dangjian-Delivery"] == str(delivery.pk)


def test_sending_is_idempotent(smtp, member, django_capture_on_commit_callbacks):
    delivery = send(member, django_capture_on_commit_callbacks)
    assert deliver(delivery.pk) == "sent"
    send_delivery.enqueue(delivery.pk)  # the task running twice
    assert len(smtp.messages) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_failure_is_retried_then_given_up_keeping_the_error(smtp, member, django_capture_on_commit_callbacks):
    smtp.fail_with = (451, "4.3.0 Mailbox temporarily unavailable")
    before = timezone.now()
    delivery = send(member, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    # ImmediateBackend cannot defer: the row waits for retry_due_deliveries
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "451" in delivery.last_error and "Mailbox temporarily unavailable" in delivery.last_error
    assert delivery.next_attempt_at >= before + backoff(1)
    assert due_deliveries() == []  # not due yet
    assert due_deliveries(delivery.next_attempt_at) == [delivery.pk]

    assert deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - timezone.now() > backoff(1)  # back-off grows

    assert deliver(delivery.pk) == "gave_up"  # NOTIFY_MAX_ATTEMPTS = 3
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("gave_up", 3, None)
    assert "451" in delivery.last_error
    smtp.fail_with = None
    assert deliver(delivery.pk) == "gave_up"  # nothing more happens
    assert smtp.messages == []


def test_due_retry_succeeds_when_the_server_recovers(smtp, member, django_capture_on_commit_callbacks):
    smtp.fail_with = (421, "4.7.0 Try again later")
    delivery = send(member, django_capture_on_commit_callbacks)
    smtp.fail_with = None
    assert run_due_now(timezone.now() + dt.timedelta(hours=1)) == ["sent"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert len(smtp.messages) == 1


def test_retry_is_enqueued_with_back_off_on_a_deferring_backend(smtp, member, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import task_backends

    backend = task_backends["default"]
    smtp.fail_with = (451, "4.3.0 busy")
    delivery = send(member, django_capture_on_commit_callbacks)
    (first,) = backend.results
    assert first.task.run_after is None and first.args == [delivery.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    retry = backend.results[-1]
    assert retry.args == [delivery.pk]
    assert retry.task.run_after == delivery.next_attempt_at


@pytest.mark.django_db(transaction=True)  # the worker opens its own (exclusive) transactions
def test_database_backend_worker_sends(smtp, member, settings, django_capture_on_commit_callbacks):
    """Production wiring: the task row goes to django-tasks-db and its worker sends it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    delivery = send(member, django_capture_on_commit_callbacks)
    assert DBTaskResult.objects.filter(task_path__endswith="send_delivery").count() == 1
    assert smtp.messages == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert len(smtp.messages) == 1

    # a failure is re-enqueued to run after the back-off
    smtp.fail_with = (451, "4.3.0 busy")
    delivery = send(member, django_capture_on_commit_callbacks)
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.args_kwargs["args"] == [delivery.pk]
    assert retry.run_after == delivery.next_attempt_at
