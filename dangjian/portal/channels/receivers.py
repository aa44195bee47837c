"""Thin receivers: Wagtail publishes and unpublishes pages from its admin, the 三审三校 workflow
and the scheduler; its signals are the one place all of them pass (as in ``portal/receivers.py``).
They only call the channels' action, inside the publish transaction (outbox pattern)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished


def _is_article(page: Any) -> bool:
    from dangjian.portal.models import ArticlePage

    return isinstance(page.specific, ArticlePage)


@receiver(page_published)
def on_page_published(sender: Any, instance: Any, revision: Any = None, **kwargs: Any) -> None:
    from dangjian.portal.channels import Operation
    from dangjian.portal.channels.actions import do_enqueue_deliveries

    if _is_article(instance):
        do_enqueue_deliveries(instance, Operation.PUBLISH, revision_id=getattr(revision, "pk", None))


@receiver(page_unpublished)
def on_page_unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    from dangjian.portal.channels import Operation
    from dangjian.portal.channels.actions import do_enqueue_deliveries

    if _is_article(instance):
        do_enqueue_deliveries(instance, Operation.WITHDRAW)
