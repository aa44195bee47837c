"""Run the local WeChat and Weibo stand-ins for a demo and print the settings that point the
channels at them: ``manage.py run_channel_standins`` (Ctrl-C stops)."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand

from dangjian.portal.channels.simulators.wechat import WeChatStandIn
from dangjian.portal.channels.simulators.weibo import WeiboStandIn


class Command(BaseCommand):
    help = "Run the local WeChat and Weibo API stand-ins (demo) and print the environment to use them."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--wechat-port", type=int, default=8601)
        parser.add_argument("--weibo-port", type=int, default=8602)
        parser.add_argument("--site-domain", default="127.0.0.1", help="Weibo's secure domain (the portal's host).")

    def handle(self, *args: Any, **options: Any) -> None:
        wechat = WeChatStandIn().start(options["wechat_port"])
        weibo = WeiboStandIn(secure_domain=options["site_domain"]).start(options["weibo_port"])
        accounts = {"wechat": {"default": {"app_id": wechat.app_id, "app_secret": wechat.app_secret}},
                    "weibo": {"default": {"access_token": weibo.access_token}}}
        self.stdout.write("Stand-ins running. Start the site with:\n")
        self.stdout.write(f"  CHANNELS_WECHAT_API_BASE={wechat.base_url} CHANNELS_WEIBO_API_BASE={weibo.base_url} "
                          f"CHANNELS_ACCOUNTS='{json.dumps(accounts)}' make run\n")
        self.stdout.write(f"Published WeChat articles: {wechat.base_url}/s/<article_id>  (Ctrl-C stops)\n")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            wechat.stop()
            weibo.stop()
