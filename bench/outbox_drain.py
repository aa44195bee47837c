"""Notification outbox: drain rate against write rate, measured in one run.

    .venv/bin/python bench/outbox_drain.py          (BENCH_REUSE=1 keeps var/bench/bench-outbox.sqlite3)

1. **Write**: ``OUTBOX_WRITERS`` threads (4) call ``notify()`` — the one write path every action
   uses — for ``OUTBOX_WRITE_SECONDS`` (8 s), each call notifying ``OUTBOX_RECIPIENTS`` (20)
   members who chose e-mail: one inbox item (the in-app channel, a DB write in ``notify``) and
   one e-mail ``Delivery`` per member, plus the task enqueue (django-tasks-db). Write rate =
   deliveries written per second.
2. **Drain, before**: ``OUTBOX_DRAINERS`` threads (2, as two task workers) run the outbox's drain
   with batch size 1 — one row claimed, one SMTP connection per message, as the one-by-one path
   did — for ``OUTBOX_BEFORE_SECONDS`` (10 s) of the backlog.
3. **Drain, after**: the same threads with ``NOTIFY_BATCH_SIZE`` = ``OUTBOX_BATCH`` (100): a batch
   claimed at once, sent over up to ``NOTIFY_EMAIL_CONNECTIONS`` SMTP connections, outcomes in one
   transaction — first ``OUTBOX_UNPIPELINED_SECONDS`` (2.5 s; 0 skips it) with
   ``NOTIFY_EMAIL_PIPELINING`` off (smtplib's four round trips a message, the previous version),
   then pipelined (one round trip a message) until the queue is empty.
4. **Both at once** (``OUTBOX_BOTH_SECONDS``, 8 s; 0 skips it): the writer threads keep calling
   ``notify()`` in this process (the web side) while ``OUTBOX_DRAINERS`` drainer *processes* (as
   task workers are) run the outbox's drain loop; then the backlog is drained. Prints written/s
   and sent/s over the same window and the rows still pending when the writers stopped: the drain
   keeps up if sent/written ≈ 1 and that backlog stays small. ``OUTBOX_BOTH_RATES`` (``121,600,flat``)
   runs the phase once per rate: the writers paced at that many deliveries a second in all (121 is
   the event rate of the load test the review measured), then ``flat`` (as fast as they can).

``OUTBOX_DATABASE_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432/bench_outbox``, a database you
created for it) runs the same against PostgreSQL instead of the throwaway SQLite file.

Mail goes to a local SMTP sink in a subprocess (``dangjian.testing.smtp_server``, real SMTP);
its own ceiling (plain ``smtplib``, no database) is measured too. Prints messages/s of each drain,
the ratio drain/write (≥ 1: the outbox keeps up) and drain/sink.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from common import BENCH_DIR, PY, ROOT, bench_env, emit  # noqa: E402

WRITERS = int(os.environ.get("OUTBOX_WRITERS", 4))
WRITE_SECONDS = float(os.environ.get("OUTBOX_WRITE_SECONDS", 8))
RECIPIENTS = int(os.environ.get("OUTBOX_RECIPIENTS", 20))
MEMBERS = int(os.environ.get("OUTBOX_MEMBERS", 400))
DRAINERS = int(os.environ.get("OUTBOX_DRAINERS", 2))
BEFORE_SECONDS = float(os.environ.get("OUTBOX_BEFORE_SECONDS", 10))
BATCH = int(os.environ.get("OUTBOX_BATCH", 100))
BOTH_SECONDS = float(os.environ.get("OUTBOX_BOTH_SECONDS", 8))
BOTH_RATES = [r.strip() for r in os.environ.get("OUTBOX_BOTH_RATES", "121,600,flat").split(",") if r.strip()]
UNPIPELINED_SECONDS = float(os.environ.get("OUTBOX_UNPIPELINED_SECONDS", 2.5))
DATABASE_URL = os.environ.get("OUTBOX_DATABASE_URL", "")

SINK = """
import sys, time
sys.path.insert(0, sys.argv[1])
from dangjian.testing.smtp_server import LocalSMTPServer
with LocalSMTPServer() as smtp:
    print(smtp.port, flush=True)
    while sys.stdin.read(1):
        pass
"""


def prepare(env: dict[str, str]) -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db = Path(env["SQLITE_PATH"])
    if os.environ.get("BENCH_REUSE") != "1" and not DATABASE_URL:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)


def members() -> list[int]:
    from dangjian.core.models import NotificationPreference, User

    users = list(User.objects.filter(username__startswith="outbox-bench-").order_by("pk"))
    if len(users) < MEMBERS:
        User.objects.bulk_create([
            User(username=f"outbox-bench-{i}", email=f"member{i}@bench.example.org")
            for i in range(len(users), MEMBERS)
        ])
        users = list(User.objects.filter(username__startswith="outbox-bench-").order_by("pk"))
        NotificationPreference.objects.bulk_create(
            [NotificationPreference(user=u, kind="*", email=True) for u in users], ignore_conflicts=True)
    return [u.pk for u in users]


def in_threads(n: int, work) -> None:
    from django.db import connection

    def run(i: int) -> None:
        try:
            work(i)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def write_phase(ids: list[int]) -> dict:
    from dangjian.core.models import Delivery, Notification
    from dangjian.core.notifications import notify

    deliveries0, items0 = Delivery.objects.count(), Notification.objects.count()
    calls = [0] * WRITERS
    stop = time.monotonic() + WRITE_SECONDS

    def write(i: int) -> None:
        n = 0
        while time.monotonic() < stop:
            start = (i * 7919 + n * RECIPIENTS) % len(ids)
            group = (ids + ids)[start:start + RECIPIENTS]
            notify(group, "bench.outbox", title="支部大会通知", body="本周五下午三点召开支部党员大会。", url="/orglife/1")
            n += 1
        calls[i] = n

    started = time.monotonic()
    in_threads(WRITERS, write)
    elapsed = time.monotonic() - started
    deliveries = Delivery.objects.count() - deliveries0
    items = Notification.objects.count() - items0
    return {"seconds": round(elapsed, 2), "notify_calls": sum(calls), "deliveries": deliveries,
            "inbox_items": items, "deliveries_per_s": deliveries / elapsed, "inbox_items_per_s": items / elapsed}


def both_phase(ids: list[int], rate: float | None = None) -> dict:
    """Writers and drainers at the same time for ``BOTH_SECONDS``, the writers paced at ``rate``
    deliveries a second in all (``None``: flat out); then the rest is drained."""
    from django.conf import settings

    from dangjian.core.models import Delivery
    from dangjian.core.models.notifications import DeliveryStatus
    from dangjian.core.notifications import notify

    settings.NOTIFY_BATCH_SIZE = BATCH
    sent0 = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
    written0 = Delivery.objects.count()
    workers = [subprocess.Popen([PY, __file__, "--drain-worker", str(BOTH_SECONDS)], env=os.environ,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(DRAINERS)]
    for w in workers:  # each has set up Django and waits for the start
        assert w.stdout is not None and w.stdout.readline().strip() == "ready"
    stop = time.monotonic() + BOTH_SECONDS

    # paced: writer i calls notify() at started + (n × WRITERS + i) × gap, one call = RECIPIENTS rows
    gap = RECIPIENTS / rate if rate else 0.0

    def write(i: int) -> None:
        n = 0
        while time.monotonic() < stop:
            if gap:
                wait = started + (n * WRITERS + i) * gap - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                    continue
            start = (i * 7919 + n * RECIPIENTS) % len(ids)
            notify((ids + ids)[start:start + RECIPIENTS], "bench.outbox", title="支部大会通知",
                   body="本周五下午三点召开支部党员大会。", url="/orglife/1")
            n += 1

    started = time.monotonic()
    for w in workers:
        assert w.stdin is not None
        w.stdin.write("go\n")
        w.stdin.flush()
    in_threads(WRITERS, write)
    elapsed = time.monotonic() - started  # the writers' window; written and sent counted at its end
    written = Delivery.objects.count() - written0
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count() - sent0
    backlog = Delivery.objects.filter(status=DeliveryStatus.PENDING).count()
    for w in workers:
        w.communicate(timeout=BOTH_SECONDS + 60)
    rest = drain_phase(BATCH, None)
    return {"seconds": round(elapsed, 2), "written_per_s": written / elapsed, "sent_per_s": sent / elapsed,
            "written": written, "backlog": backlog, "rest_seconds": rest["seconds"]}


def drain_worker(seconds: float) -> None:
    """A drainer process of phase 4: the drain loop of a task worker, for ``seconds``."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    from dangjian.core.notifications.tasks import drain

    settings.NOTIFY_BATCH_SIZE = BATCH
    print("ready", flush=True)
    sys.stdin.readline()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if not drain(seconds=max(0.0, stop - time.monotonic())):
            time.sleep(0.05)  # nothing due: poll again


def drain_phase(batch: int, seconds: float | None, *, pipelining: bool = True) -> dict:
    from django.conf import settings

    from dangjian.core.models import Delivery
    from dangjian.core.models.notifications import DeliveryStatus
    from dangjian.core.notifications.tasks import drain

    settings.NOTIFY_BATCH_SIZE = batch
    settings.NOTIFY_EMAIL_PIPELINING = pipelining
    sent0 = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
    started = time.monotonic()
    in_threads(DRAINERS, lambda i: drain(seconds=seconds if seconds is not None else 3600))
    elapsed = time.monotonic() - started
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count() - sent0
    left = Delivery.objects.filter(status=DeliveryStatus.PENDING).count()
    return {"batch": batch, "seconds": round(elapsed, 2), "sent": sent, "per_s": sent / elapsed, "left": left}


def sink_ceiling(port: int, count: int = 1000) -> float:
    """Messages/s the SMTP sink takes from plain ``smtplib`` over ``NOTIFY_EMAIL_CONNECTIONS``
    parallel connections, with no database: the most any drain can reach against this sink."""
    import smtplib
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings
    from django.core.mail import EmailMessage

    data = EmailMessage("支部大会通知", "本周五下午三点召开支部党员大会。\n\nhttps://x/orglife/1",
                        "noreply@bench.example.org", ["member@bench.example.org"]).message().as_bytes()
    connections = int(getattr(settings, "NOTIFY_EMAIL_CONNECTIONS", 4))

    def send(n: int) -> None:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for _ in range(n):
                smtp.sendmail("noreply@bench.example.org", ["member@bench.example.org"], data)

    started = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(send, [count // connections] * connections))
    return (count // connections * connections) / (time.monotonic() - started)


def main() -> None:
    env = bench_env("outbox")
    prepare(env)
    sink = subprocess.Popen([PY, "-c", SINK, str(ROOT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert sink.stdout is not None
        port = int(sink.stdout.readline())
        if DATABASE_URL:
            env["DATABASE_URL"] = DATABASE_URL
            subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
        os.environ.update(env)
        os.environ.update(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
                          EMAIL_PORT=str(port), EMAIL_USE_TLS="0", EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.NOTIFY_DRAIN_SECONDS = 3600

        from dangjian.core.models import Delivery
        from dangjian.core.models.notifications import DeliveryStatus

        Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]).delete()
        ids = members()
        write = write_phase(ids)
        print(f"write: {write['notify_calls']} notify() calls from {WRITERS} threads in {write['seconds']} s: "
              f"{write['deliveries_per_s']:.0f} e-mail deliveries/s written, "
              f"{write['inbox_items_per_s']:.0f} in-app items/s", flush=True)
        before = drain_phase(1, BEFORE_SECONDS)
        print(f"drain before (batch 1, a connection per message, {DRAINERS} workers): {before['sent']} in "
              f"{before['seconds']} s = {before['per_s']:.0f} messages/s", flush=True)
        unpipelined = drain_phase(BATCH, UNPIPELINED_SECONDS, pipelining=False) if UNPIPELINED_SECONDS > 0 else None
        if unpipelined:
            print(f"drain after, without pipelining (batch {BATCH}, {DRAINERS} workers): {unpipelined['sent']} in "
                  f"{unpipelined['seconds']} s = {unpipelined['per_s']:.0f} messages/s", flush=True)
        after = drain_phase(BATCH, None)
        print(f"drain after (batch {BATCH}, connections reused, pipelined, {DRAINERS} workers): {after['sent']} in "
              f"{after['seconds']} s = {after['per_s']:.0f} messages/s; left pending: {after['left']}", flush=True)
        ceiling = sink_ceiling(port)
        print(f"SMTP sink alone (smtplib, no database): {ceiling:.0f} messages/s; "
              f"drain after ÷ sink {after['per_s'] / ceiling:.2f}", flush=True)
        w = write["deliveries_per_s"]
        print(f"drain/write: before {before['per_s'] / w:.2f}, after {after['per_s'] / w:.2f} "
              f"(after/before {after['per_s'] / before['per_s']:.1f}×)", flush=True)
        result = {"name": "outbox_drain", "database": "postgresql" if DATABASE_URL else "sqlite",
                  "write_per_s": round(w, 1), "before_per_s": round(before["per_s"], 1),
                  "after_per_s": round(after["per_s"], 1), "ratio_before": round(before["per_s"] / w, 2),
                  "ratio_after": round(after["per_s"] / w, 2), "sink_per_s": round(ceiling, 1)}
        if unpipelined:
            print(f"pipelined ÷ not pipelined: {after['per_s'] / unpipelined['per_s']:.2f}", flush=True)
            result.update(unpipelined_per_s=round(unpipelined["per_s"], 1),
                          pipelined_gain=round(after["per_s"] / unpipelined["per_s"], 2))
        for rate in BOTH_RATES if BOTH_SECONDS > 0 else []:
            paced = None if rate == "flat" else float(rate)
            both = both_phase(ids, paced)
            label = f"writers paced at {rate}/s" if paced else "writers flat out"
            print(f"both at once, {label} ({WRITERS} writer threads, {DRAINERS} drainer processes, "
                  f"{both['seconds']} s): {both['written_per_s']:.0f} written/s, {both['sent_per_s']:.0f} sent/s "
                  f"(sent/written {both['sent_per_s'] / both['written_per_s']:.2f}); pending when the writers "
                  f"stopped: {both['backlog']} of {both['written']} written, drained in {both['rest_seconds']} s",
                  flush=True)
            key = "both" if paced is None else f"both_{rate}"
            result.update({f"{key}_written_per_s": round(both["written_per_s"], 1),
                           f"{key}_sent_per_s": round(both["sent_per_s"], 1), f"{key}_backlog": both["backlog"],
                           f"{key}_written": both["written"]})
        emit(result)
    finally:
        if sink.stdin:
            sink.stdin.close()
        sink.wait(timeout=10)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--drain-worker"]:
        drain_worker(float(sys.argv[2]))
    else:
        main()
