"""``manage.py dues_simulator``: the demo's WeChat Pay and Alipay simulators (``make run``)."""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dangjian.dues.simulators import demo


class Command(BaseCommand):
    help = "Serve the local WeChat Pay and Alipay simulators for the demo (needs DUES_DEMO_SIMULATOR=1)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo.enabled():
            raise CommandError("DUES_DEMO_SIMULATOR is off: the payment simulators are for the demo only.")
        try:
            wechat, alipay = demo.start_simulators()
        except OSError as e:  # a port taken since tools/run.py chose it: exit; the supervisor retries
            ports = ", ".join(str(p) for p in demo.ports())
            raise CommandError(f"Payment simulators cannot listen on ports {ports}: {e}") from e
        self.stdout.write(f"Payment simulators: WeChat Pay {wechat.url}, Alipay {alipay.url}")
        stop = threading.Event()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            wechat.stop()
            alipay.stop()
