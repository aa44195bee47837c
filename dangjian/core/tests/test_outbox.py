"""The shared outbox (``core/outbox.py``) as notifications use it: batches over one SMTP
connection, a drain that empties the queue, claims that never overlap, jittered back-off, and
failure log lines without personal data."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from dangjian.core.models import Delivery, NotificationPreference
from dangjian.core.models.notifications import DeliveryStatus
from dangjian.core.notifications import notify
from dangjian.core.notifications.tasks import OUTBOX, backoff, deliver, drain, send_delivery

pytestmark = pytest.mark.django_db

NAMES = ["admin", "secretary", "organizer", "publicity", "discipline", "handler", "member"]


@pytest.fixture(autouse=True)
def _test_backends(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def readers(users):
    """Seven users who want notifications by e-mail."""
    people = []
    for i, name in enumerate(NAMES):
        user = getattr(users, name)
        user.email = f"reader{i}@example.com"
        user.save(update_fields=["email"])
        NotificationPreference.objects.create(user=user, kind="*", email=True)
        people.append(user)
    return people


def test_a_batch_of_e_mails_goes_over_one_smtp_connection(smtp, readers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(readers, "meeting.reminder", title="支部大会通知", body="本周五下午三点。")
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(u.email for u in readers)
    assert smtp.connections == 1


def test_one_refused_recipient_fails_alone_and_the_rest_of_the_batch_is_sent(
        smtp, readers, django_capture_on_commit_callbacks):
    smtp.refuse = {readers[2].email}
    with django_capture_on_commit_callbacks(execute=True):
        notify(readers, "meeting.reminder", title="支部大会通知")
    statuses = dict(Delivery.objects.values_list("notification__recipient__email", "status"))
    assert statuses.pop(readers[2].email) == DeliveryStatus.FAILED
    assert set(statuses.values()) == {DeliveryStatus.SENT}
    assert len(smtp.messages) == len(readers) - 1


def test_the_failure_log_line_holds_no_e_mail_address(smtp, readers, caplog, django_capture_on_commit_callbacks):
    smtp.refuse = {readers[0].email}
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        notify(readers[0], "meeting.reminder", title="支部大会通知")
    delivery = Delivery.objects.get()
    assert readers[0].email in delivery.last_error  # kept on the row for the administrators
    (line,) = [r.getMessage() for r in caplog.records if "delivery" in r.getMessage()]
    assert "SMTPRecipientsRefused" in line and f" {delivery.pk} " in line
    assert readers[0].email not in line and "example.com" not in line


def test_drain_sends_a_backlog_in_batches_until_the_queue_is_empty(smtp, readers, settings):
    settings.NOTIFY_BATCH_SIZE = 3
    for n in range(4):  # written while no worker ran (the enqueued tasks were lost)
        notify(readers, "meeting.reminder", title=f"通知 {n}")
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 4 * len(readers)
    assert drain() == 4 * len(readers)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert len(smtp.messages) == 4 * len(readers)
    assert smtp.connections == -(-4 * len(readers) // 3)  # one connection per batch of 3


def test_a_task_for_rows_already_sent_sends_nothing_again(smtp, readers, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(readers, "meeting.reminder", title="支部大会通知")
    ids = list(Delivery.objects.values_list("pk", flat=True))
    send_delivery.enqueue(*ids)  # the same task again
    assert [deliver(pk) for pk in ids] == [DeliveryStatus.SENT] * len(ids)
    assert len(smtp.messages) == len(readers)
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_retries_of_rows_that_failed_together_are_spread_by_jitter(
        smtp, readers, django_capture_on_commit_callbacks):
    smtp.fail_with = (451, "4.3.0 busy")
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        notify(readers, "meeting.reminder", title="支部大会通知")
    after = timezone.now()
    waits = list(Delivery.objects.values_list("next_attempt_at", flat=True))
    assert all(before + backoff(1) <= w <= after + backoff(1) * 1.25 for w in waits)
    # not all at the bare back-off: the jitter spreads them (up to 15 s here)
    assert any(w > after + backoff(1) for w in waits)
    assert len(set(waits)) == len(waits)


def test_workers_claiming_in_turn_never_claim_the_same_row_until_a_claim_expires(readers):
    for n in range(3):
        notify(readers, "meeting.reminder", title=f"通知 {n}")  # no worker ran yet
    total = 3 * len(readers)
    now = timezone.now()
    claims = [OUTBOX.claim(limit=4, now=now) for _worker in range(8)]
    claimed = [pk for batch in claims for pk in batch]
    assert len(claimed) == len(set(claimed)) == total  # every row once, then nothing left
    assert claims[-1] == []
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}
    # a worker that died mid-send: its rows are claimable again once the claim expired
    assert OUTBOX.claim(limit=100, now=now + dt.timedelta(seconds=OUTBOX.claim_seconds - 1)) == []
    assert len(OUTBOX.claim(limit=100, now=now + dt.timedelta(seconds=OUTBOX.claim_seconds + 1))) == total
