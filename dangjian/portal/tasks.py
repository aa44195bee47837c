"""Periodic portal tasks (registered in apps.py through ``core.scheduler.register_job``)."""

from __future__ import annotations

from django.core.management import call_command
from django_tasks import task


@task()
def publish_scheduled() -> None:
    """Wagtail's scheduled publishing and expiry (go_live_at / expire_at), every minute."""
    call_command("publish_scheduled")


@task()
def sync_all_editors() -> int:
    """Safety net: bring every editor's Wagtail groups in line with their publicity roles (roles
    granted or revoked since the user's last sign-in)."""
    from dangjian.portal.actions import do_sync_all_editors, do_sync_section_permissions

    do_sync_section_permissions()
    return do_sync_all_editors()


@task()
def flush_views() -> int:
    """The view counters collected in the cache into ``PageViewCount`` (every five minutes)."""
    from dangjian.portal.stats import do_flush_view_counts

    return do_flush_view_counts()
