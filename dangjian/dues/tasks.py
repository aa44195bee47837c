"""Periodic work of the dues module (enqueued by ``core.scheduler``)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from dangjian.dues import PaymentStatus
from dangjian.dues.actions import do_generate_bills, do_sync_payment
from dangjian.dues.billing import current_month
from dangjian.dues.models import Payment


@task()
def generate_monthly_bills() -> dict[str, int]:
    """This month's bills for every current member; safe to run any number of times."""
    result = do_generate_bills(current_month())
    return {"created": result.created, "existing": result.existing, "missing_base": result.missing_base}


@task()
def sync_pending_payments() -> int:
    """Ask the gateway about online payments left waiting (a lost notification, a timeout)."""
    cutoff = timezone.now() - dt.timedelta(minutes=5)
    since = timezone.now() - dt.timedelta(days=2)
    count = 0
    for payment in Payment.objects.filter(status__in=[PaymentStatus.CREATED, PaymentStatus.PENDING],
                                          created_at__lt=cutoff, created_at__gte=since).select_related("member")[:500]:
        do_sync_payment(payment, acting_user=None)
        count += 1
    return count


@task()
def check_arrears() -> dict[str, int]:
    """Reminders, 3-month warnings and 6-month alerts for the month just ended (idempotent)."""
    from dangjian.dues.arrears import run_arrears_check

    return run_arrears_check()


@task()
def reconcile_payments() -> dict[str, str]:
    """Yesterday's trade bill of each configured gateway against our payments (and failed days again)."""
    from dangjian.dues.reconcile import reconcile_recent

    return reconcile_recent()


@task()
def sync_pending_refunds() -> int:
    """Ask the gateway about refunds still in progress (a lost notification, a timeout)."""
    from dangjian.dues.refunds import sync_pending_refunds as sync

    return sync()


@task()
def close_expired_orders() -> dict[str, int]:
    """Close at the gateway the online orders left unpaid past their expiry."""
    from dangjian.dues.closing import close_expired_orders as close

    return close()
