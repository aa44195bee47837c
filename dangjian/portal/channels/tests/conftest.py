from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from dangjian.portal.channels import ChannelKind
from dangjian.portal.channels.actions import do_set_section_channel
from dangjian.portal.channels.simulators.wechat import WeChatStandIn
from dangjian.portal.channels.simulators.weibo import WeiboStandIn
from dangjian.portal.tests.conftest import _portal_settings, portal  # noqa: F401 - fixtures reused

SITE = "http://testserver"


@pytest.fixture
def wechat() -> Any:
    with WeChatStandIn(app_id="wx5f3a0c1b2d4e6f70", app_secret="app-secret-1") as sim:
        yield sim


@pytest.fixture
def weibo() -> Any:
    with WeiboStandIn(access_token="2.00ABCDweibo", secure_domain="testserver") as sim:
        yield sim


@pytest.fixture
def stand_ins(settings: Any, wechat: Any, weibo: Any) -> SimpleNamespace:
    settings.CHANNELS_ACCOUNTS = {
        "wechat": {"default": {"app_id": wechat.app_id, "app_secret": wechat.app_secret}},
        "weibo": {"default": {"access_token": weibo.access_token, "rip": "203.0.113.5"}},
    }
    settings.CHANNELS_WECHAT_API_BASE = wechat.base_url
    settings.CHANNELS_WEIBO_API_BASE = weibo.base_url
    settings.CHANNELS_SITE_URL = SITE
    settings.CHANNELS_MAX_ATTEMPTS = 3
    settings.CHANNELS_RETRY_BASE_SECONDS = 60
    settings.CHANNELS_RETRY_MAX_SECONDS = 3600
    return SimpleNamespace(wechat=wechat, weibo=weibo)


@pytest.fixture
def channels_on(portal: Any, stand_ins: Any) -> Any:  # noqa: F811
    """Town A's section publishes to WeChat, Weibo and the app."""
    for channel in ChannelKind.values:
        do_set_section_channel(portal.town_a, channel, enabled=True, acting_user=portal.root)
    return portal
