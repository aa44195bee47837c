"""Channel adapters: production code talking to each channel's real API (base URLs in settings).

Each adapter has ``publish(article, progress)``, ``update(article, post, progress)`` and
``withdraw(post, progress)``. ``progress`` is the outbox entry's dict of steps already done; an
adapter records each remote step in it (uploaded cover, draft id, publish id …) so the next
attempt resumes instead of repeating. ``PermanentChannelError`` means retrying cannot help
(bad credentials, content the channel refuses): the entry gives up at once, keeping the error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ChannelError(Exception):
    """A delivery failed; it may succeed later (network, rate limit, system busy)."""

    def __init__(self, message: str, *, code: Any = None) -> None:
        super().__init__(message)
        self.code = code


class PermanentChannelError(ChannelError):
    """Retrying cannot help until someone fixes something (credentials, content, configuration)."""


class WaitForOlderDelivery(Exception):  # noqa: N818 - a control signal, not an error
    """An older delivery of the same article to the same channel is still open: run later."""


@dataclass
class Result:
    remote_id: str = ""
    remote_url: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def get_adapter(channel: str, account_name: str) -> Any:
    from dangjian.portal.channels import ChannelKind, conf
    from dangjian.portal.channels.adapters.app import AppAdapter
    from dangjian.portal.channels.adapters.wechat import WeChatAdapter
    from dangjian.portal.channels.adapters.weibo import WeiboAdapter

    if channel == ChannelKind.APP:
        return AppAdapter()
    creds = conf.account(channel, account_name)
    if creds is None:
        raise PermanentChannelError(
            f"no credentials for {channel} account {account_name!r} in settings.CHANNELS_ACCOUNTS")
    if channel == ChannelKind.WECHAT:
        return WeChatAdapter(creds, account_name)
    if channel == ChannelKind.WEIBO:
        return WeiboAdapter(creds)
    raise PermanentChannelError(f"unknown channel {channel!r}")
