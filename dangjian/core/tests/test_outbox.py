"""The shared outbox (``core/outbox.py``) as notifications use it: batches over one SMTP
connection, a drain that empties the queue, claims that never overlap, jittered back-off, and
failure log lines without personal data."""

from __future__ import annotations

import datetime as dt
import logging
import threading

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


def test_a_batch_renders_each_message_once_and_every_copy_carries_its_own_headers(smtp, readers, settings):
    settings.NOTIFY_BATCH_SIZE = 100
    notify(readers, "meeting.reminder", title="支部大会通知", body="本周五下午三点。", url="/orglife/1")
    notify(readers[:2], "meeting.reminder", title="另一则通知", body="第二条。")
    assert drain() == len(readers) + 2
    deliveries = {d.pk: d for d in Delivery.objects.select_related("notification__recipient")}
    assert {d.status for d in deliveries.values()} == {DeliveryStatus.SENT}
    assert len(smtp.messages) == len(deliveries)
    for received in smtp.messages:
        msg = received.message
        delivery = deliveries[int(msg["X-Dangjian-Delivery"])]
        item = delivery.notification
        assert received.rcpt_tos == [item.recipient.email] and msg["To"] == item.recipient.email
        assert msg["Subject"] == item.title and msg["From"] == settings.DEFAULT_FROM_EMAIL
        assert msg["X-Dangjian-Notification"] == str(item.pk)
        assert msg["Message-ID"] == delivery.provider_message_id
        assert received.text.replace("\r\n", "\n").strip() == (f"{item.body}\n\nhttps://dj.example.cn/orglife/1" if item.url else item.body)
    assert len({m.message["Message-ID"] for m in smtp.messages}) == len(deliveries)


def test_an_address_that_needs_encoding_takes_the_backends_own_path(smtp, readers):
    readers[0].email = "reader@bücher.example"  # an internationalized domain: sent in its ASCII form
    readers[0].save(update_fields=["email"])
    notify(readers[:2], "meeting.reminder", title="支部大会通知")
    assert drain() == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(["reader@xn--bcher-kva.example", readers[1].email])
    assert {m.message["Subject"] for m in smtp.messages} == {"支部大会通知"}


def test_a_failed_message_in_a_batch_is_the_only_one_scheduled_for_retry(smtp, readers, caplog):
    smtp.refuse = {readers[3].email}
    notify(readers, "meeting.reminder", title="支部大会通知")
    before = timezone.now()
    with caplog.at_level(logging.WARNING):
        assert drain() == len(readers)
    rows = {d.notification.recipient.email: d for d in Delivery.objects.select_related("notification__recipient")}
    failed = rows.pop(readers[3].email)
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 1
    assert "SMTPRecipientsRefused" in failed.last_error
    assert failed.next_attempt_at >= before + backoff(1)
    assert {(d.status, d.attempts, d.last_error, d.next_attempt_at) for d in rows.values()} == {
        (DeliveryStatus.SENT, 1, "", None)}
    assert len(smtp.messages) == len(readers) - 1


@pytest.mark.django_db(transaction=True)
def test_two_drainers_at_once_send_every_message_once(smtp, readers, settings, monkeypatch):
    """Two drain loops in two threads. PostgreSQL runs them at once (claims by SKIP LOCKED);
    the SQLite test database is one connection, so there their batches take turns."""
    from django.db import connection

    from dangjian.core.notifications import tasks

    settings.NOTIFY_BATCH_SIZE = 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # no worker ran yet
    for n in range(5):
        notify(readers, "meeting.reminder", title=f"通知 {n}")
    total = 5 * len(readers)
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == total
    if connection.vendor == "sqlite":
        turns = threading.Lock()

        def one_at_a_time(step):
            def run(*args, **kwargs):
                with turns:
                    return step(*args, **kwargs)
            return run

        monkeypatch.setattr(tasks, "send", one_at_a_time(tasks.send))
        monkeypatch.setattr(tasks, "record_and_claim", one_at_a_time(tasks.record_and_claim))
    barrier, counts, errors = threading.Barrier(2), [], []

    def drainer():
        from django.db import connection as conn

        try:
            barrier.wait()
            counts.append(drain())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            if conn.vendor != "sqlite":
                conn.close()

    threads = [threading.Thread(target=drainer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sum(counts) == total
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
    sent_ids = [int(m.message["X-Dangjian-Delivery"]) for m in smtp.messages]
    assert len(sent_ids) == len(set(sent_ids)) == total


@pytest.mark.django_db(transaction=True)
def test_a_drainer_stores_a_batch_and_claims_the_next_in_one_transaction(smtp, readers, settings):
    """On SQLite every write transaction queues for the one lock: a drain of n batches takes n + 1
    write transactions (the first claim, then each batch's outcomes with the next claim), not 2n."""
    from django.db import connection

    settings.NOTIFY_BATCH_SIZE = 3
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    for n in range(3):
        notify(readers, "meeting.reminder", title=f"通知 {n}")
    total = 3 * len(readers)
    updates: list = []  # (the outermost atomic block the UPDATE ran in, its SQL)

    def watch(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("UPDATE"):
            updates.append((connection.atomic_blocks[0] if connection.atomic_blocks else None, sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        assert drain() == total
    transactions: list = []
    for block, _sql in updates:
        assert block is not None, "every outbox write runs in a transaction"
        if not any(block is seen for seen in transactions):
            transactions.append(block)
    batches = -(-total // 3)
    assert len(transactions) == batches + 1
    per_transaction = [sum(1 for block, _ in updates if block is t) for t in transactions]
    assert per_transaction[0] == 1 and per_transaction[-1] == 1  # the first claim; the last outcomes
    assert all(n == 2 for n in per_transaction[1:-1])  # outcomes of one batch + the claim of the next
    assert set(Delivery.objects.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}


def _count_writes(monkeypatch):
    import smtplib

    writes = []
    real_send = smtplib.SMTP.send

    def counted(self, s):
        writes.append(s)
        return real_send(self, s)

    monkeypatch.setattr(smtplib.SMTP, "send", counted)
    return writes


@pytest.mark.parametrize("pipelining", [True, False])
def test_a_batch_is_pipelined_when_the_server_offers_it_and_sent_the_same_either_way(
        smtp, readers, settings, monkeypatch, pipelining):
    """Pipelined (RFC 2920): one write per message (its content goes with the next one's commands)
    plus the greeting and the last content; without PIPELINING, smtplib's four writes a message."""
    settings.NOTIFY_BATCH_SIZE = 100
    smtp.pipelining = pipelining
    writes = _count_writes(monkeypatch)
    notify(readers, "meeting.reminder", title="支部大会通知", body="第一行\n.\n.以点开头的一行")
    assert drain() == len(readers)
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(u.email for u in readers)
    for received in smtp.messages:  # leading dots doubled on the wire, undone by the server
        assert received.text.replace("\r\n", "\n").strip() == "第一行\n.\n.以点开头的一行"
    messages = len(readers)
    if pipelining:
        assert len(writes) <= messages + 3  # EHLO, one per message, the last content (QUIT)
    else:
        assert len(writes) >= 4 * messages


def test_pipelined_refusals_fail_alone_and_reset_the_transaction(smtp, readers, settings):
    settings.NOTIFY_BATCH_SIZE = 100
    smtp.refuse = {readers[1].email, readers[2].email, readers[6].email}  # two in a row, and the last
    notify(readers, "meeting.reminder", title="支部大会通知")
    assert drain() == len(readers)
    statuses = dict(Delivery.objects.values_list("notification__recipient__email", "status"))
    assert {email for email, status in statuses.items() if status == DeliveryStatus.FAILED} == smtp.refuse
    assert sorted(m.rcpt_tos[0] for m in smtp.messages) == sorted(set(statuses) - smtp.refuse)
    assert all(m.rcpt_tos and len(m.rcpt_tos) == 1 for m in smtp.messages)
    assert smtp.connections == 1


def test_a_sender_refused_while_pipelining_fails_every_message_for_a_retry(smtp, readers, settings):
    settings.NOTIFY_BATCH_SIZE = 100
    smtp.fail_with = (451, "4.3.0 Try again later")
    notify(readers, "meeting.reminder", title="支部大会通知")
    assert drain() == len(readers)
    rows = list(Delivery.objects.all())
    assert {(d.status, d.attempts) for d in rows} == {(DeliveryStatus.FAILED, 1)}
    assert all("SMTPSenderRefused" in d.last_error for d in rows)
    assert smtp.messages == []


def test_a_connection_broken_mid_pipeline_fails_the_message_in_flight_and_sends_the_rest(smtp, readers, settings):
    """The server drops the line after storing the third message, before answering it: that one
    is retried later (the client cannot know it arrived; SMTP's own at-least-once), the rest go
    over a fresh connection."""
    settings.NOTIFY_BATCH_SIZE = 100
    smtp.drop_after = 3
    notify(readers, "meeting.reminder", title="支部大会通知")
    assert drain() == len(readers)
    statuses = [status for _pk, status in Delivery.objects.order_by("pk").values_list("pk", "status")]
    assert statuses.count(DeliveryStatus.FAILED) == 1 and statuses.count(DeliveryStatus.SENT) == len(readers) - 1
    assert len(smtp.messages) == len(readers)  # the failed one did arrive: a retry may repeat it
    assert smtp.connections == 2
