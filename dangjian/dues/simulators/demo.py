"""The demo's payment gateways: both simulators in one process beside the web server (``make run``).

Switched on by the setting ``DUES_DEMO_SIMULATOR`` (environment ``DUES_DEMO_SIMULATOR=1``, which
``tools/run.py`` sets for its processes unless told otherwise); off by default and never meant for
production (``manage.py check --deploy`` warns). A gateway configured for real in
``DANGJIAN["DUES"]`` always wins over the simulator.

The simulators' identities (throwaway RSA keys, APIv3 key, merchant and app ids) are made on first
use and kept in ``var/dues-simulator.json`` (mode 0600, never committed) so that the web server,
the worker and the simulator process agree; ports come from ``DUES_SIM_WECHAT_PORT`` and
``DUES_SIM_ALIPAY_PORT`` (``tools/run.py`` picks free ones, PORT+790 and PORT+791 when it can, and
gives them to every process), our own address from ``DUES_DEMO_BASE_URL`` (default
``http://127.0.0.1:$PORT``).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings

from dangjian.dues.simulators.keys import KeyPair, make_apiv3_key, make_keypair


def enabled() -> bool:
    return bool(getattr(settings, "DUES_DEMO_SIMULATOR", False))


def state_path() -> Path:
    var = getattr(settings, "VAR_DIR", None) or Path(getattr(settings, "BASE_DIR", Path.cwd())) / "var"
    return Path(var) / "dues-simulator.json"


def _new_state() -> dict[str, Any]:
    merchant, wx_platform, app, ali_platform = make_keypair(), make_keypair(), make_keypair(), make_keypair()
    return {
        "wechat": {"mchid": "1900000109", "appid": "wxd678efh567hg6787", "apiv3_key": make_apiv3_key(),
                   "cert_serial_no": secrets.token_hex(20).upper(),
                   "public_key_id": "PUB_KEY_ID_" + secrets.token_hex(16).upper(),
                   "merchant": [merchant.private_pem, merchant.public_pem],
                   "platform": [wx_platform.private_pem, wx_platform.public_pem]},
        "alipay": {"appid": "2021000000000001", "app": [app.private_pem, app.public_pem],
                   "platform": [ali_platform.private_pem, ali_platform.public_pem]},
    }


def load_state(*, create: bool = True) -> dict[str, Any] | None:
    """The simulators' identities, made once (an exclusive create: concurrent starters agree)."""
    path = state_path()
    for _attempt in range(50):
        try:
            text = path.read_text()
        except FileNotFoundError:
            if not create:
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                time.sleep(0.1)  # another process is writing it
                continue
            with os.fdopen(fd, "w") as fh:
                fh.write(json.dumps(_new_state()))
            continue
        if text.strip():
            data: dict[str, Any] = json.loads(text)
            return data
        time.sleep(0.1)
    return None


def ports() -> tuple[int, int]:
    """The simulators' ports: ``DUES_SIM_WECHAT_PORT`` / ``DUES_SIM_ALIPAY_PORT`` (``tools/run.py``
    sets both to the ports it found free), else PORT+790 / PORT+791."""
    web = int(os.environ.get("PORT", "8000"))
    return (int(os.environ.get("DUES_SIM_WECHAT_PORT") or web + 790),
            int(os.environ.get("DUES_SIM_ALIPAY_PORT") or web + 791))


def base_url() -> str:
    return os.environ.get("DUES_DEMO_BASE_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"


def wechatpay_settings() -> dict[str, Any] | None:
    state = load_state() if enabled() else None
    if state is None:
        return None
    wx = state["wechat"]
    return {"MCHID": wx["mchid"], "APPID": wx["appid"], "CERT_SERIAL_NO": wx["cert_serial_no"],
            "PRIVATE_KEY": wx["merchant"][0], "APIV3_KEY": wx["apiv3_key"], "PUBLIC_KEY": wx["platform"][1],
            "PUBLIC_KEY_ID": wx["public_key_id"], "NOTIFY_URL": f"{base_url()}/dues/notify/wechat/",
            "GATEWAY": f"http://127.0.0.1:{ports()[0]}", "TIMEOUT": 5}


def alipay_settings() -> dict[str, Any] | None:
    state = load_state() if enabled() else None
    if state is None:
        return None
    ali = state["alipay"]
    return {"APPID": ali["appid"], "APP_PRIVATE_KEY": ali["app"][0], "ALIPAY_PUBLIC_KEY": ali["platform"][1],
            "NOTIFY_URL": f"{base_url()}/dues/notify/alipay/",
            "RETURN_URL": f"{base_url()}/dues/pay/{{out_trade_no}}/return/",
            "GATEWAY": f"http://127.0.0.1:{ports()[1]}/gateway.do", "TIMEOUT": 5}


def start_simulators(host: str = "127.0.0.1") -> tuple[Any, Any]:
    """Both simulators with the demo's identities, serving in threads; returns them."""
    from dangjian.dues.simulators.alipay import AlipaySimulator
    from dangjian.dues.simulators.wechatpay import WeChatPaySimulator

    state = load_state()
    assert state is not None  # noqa: S101 - load_state(create=True) makes it
    wx, ali = state["wechat"], state["alipay"]
    wechat = WeChatPaySimulator(merchant=KeyPair(*wx["merchant"]), platform=KeyPair(*wx["platform"]),
                                apiv3_key=wx["apiv3_key"], mchid=wx["mchid"], appid=wx["appid"])
    wechat.cert_serial_no, wechat.public_key_id = wx["cert_serial_no"], wx["public_key_id"]
    alipay = AlipaySimulator(app=KeyPair(*ali["app"]), platform=KeyPair(*ali["platform"]), appid=ali["appid"])
    wechat_port, alipay_port = ports()
    return wechat.start(host, wechat_port), alipay.start(host, alipay_port)
