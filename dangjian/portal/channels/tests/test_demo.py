from __future__ import annotations

import datetime as dt
import random

import pytest

from dangjian.core.hooks import DemoContext
from dangjian.portal.channels import ChannelKind, OutboxStatus
from dangjian.portal.channels.demo import seed_channels
from dangjian.portal.channels.models import AppFeedItem, OutboxEntry, SectionChannel
from dangjian.portal.demo import seed_portal
from dangjian.portal.models import ArticlePage

pytestmark = pytest.mark.django_db


def test_demo_turns_on_the_app_feed_only(tree, root_user, client, settings, tmp_path,
                                         django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={}, rng=random.Random(1),
                      today=dt.date(2026, 11, 25), scale="small")
    seed_portal(ctx)
    with django_capture_on_commit_callbacks(execute=True):
        seed_channels(ctx)
    seed_channels(ctx)  # idempotent
    assert set(SectionChannel.objects.values_list("channel", flat=True)) == {ChannelKind.APP}
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {OutboxStatus.DONE}
    assert AppFeedItem.objects.count() == ArticlePage.objects.live().count() == 9
    assert client.get("/api/v1/channels/app-feed").json()["count"] == 9
