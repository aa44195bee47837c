"""Thin receivers: Wagtail publishes pages from its admin, its workflow and its scheduler, and
signals are the one place all three pass. They only call the portal's functions, after commit."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move


def _after_page_change(page: Any) -> None:
    from dangjian.portal import search
    from dangjian.portal.actions import do_sync_section_permissions
    from dangjian.portal.cache import bump
    from dangjian.portal.models import SectionPage

    # Same transaction as the publish: the index and the rights change with the page or not at all.
    search.index_page(page)
    if isinstance(page.specific, SectionPage):
        do_sync_section_permissions()
    bump()
    transaction.on_commit(bump)  # readers between the bump and the commit may have cached old blocks


@receiver(page_published)
def on_page_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    _after_page_change(instance)


@receiver(page_unpublished)
def on_page_unpublished(sender: Any, instance: Any, **kwargs: Any) -> None:
    _after_page_change(instance)


@receiver(post_page_move)
@receiver(page_slug_changed)
@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def on_url_or_restriction_change(sender: Any, **kwargs: Any) -> None:
    """A moved page or a new/removed view restriction: cached pages (and blocks) are dropped."""
    from dangjian.portal.cache import bump

    bump()
    transaction.on_commit(bump)


@receiver(user_logged_in)
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from dangjian.portal.actions import do_sync_editor_groups

    do_sync_editor_groups(user)
