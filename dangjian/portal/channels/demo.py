"""Demo data: the app news feed channel (no credentials needed) switched on for the portal's
top-level sections, and the demo's live articles delivered to it. WeChat and Weibo stay off
(they need accounts in ``CHANNELS_ACCOUNTS``; see ``manage.py run_channel_standins``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def seed_channels(ctx: Any) -> None:
    from dangjian.core.models import User
    from dangjian.portal.channels import ChannelKind, Operation
    from dangjian.portal.channels.actions import do_enqueue_deliveries, do_set_section_channel
    from dangjian.portal.channels.models import SectionChannel
    from dangjian.portal.models import ArticlePage, PortalHomePage, SectionPage

    if ctx.scale == "province":
        return
    admin = ctx.users.get("demo-admin") or User.objects.filter(is_superuser=True).order_by("pk").first()
    home = PortalHomePage.objects.first()
    if admin is None or home is None or SectionChannel.objects.exists():
        return
    with transaction.atomic():
        for section in SectionPage.objects.child_of(home).order_by("path"):
            do_set_section_channel(section, ChannelKind.APP, enabled=True, acting_user=admin)
        for article in ArticlePage.objects.live().descendant_of(home).order_by("date", "pk"):
            do_enqueue_deliveries(article, Operation.PUBLISH, revision_id=article.live_revision_id,
                                  acting_user=admin)
