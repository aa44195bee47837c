"""Periodic work of the opinion lane (scheduled in ``apps.py``)."""

from dataclasses import asdict

from django_tasks import task


@task()
def poll_opinion_mailbox() -> dict:
    """Read the opinion mailbox (when ``OPINION_IMAP_HOST`` is set); safe to run twice."""
    from dangjian.opinions.mail_intake import poll_mailbox

    return asdict(poll_mailbox())
