"""Configuration of bills and payment, from ``settings.DANGJIAN["DUES"]`` (all keys optional).

    DANGJIAN["DUES"] = {
        "ADVANCE_MAX_MONTHS": 6,       # 预交: months after this one a member may pay ahead
        "LATE_MAX_MONTHS": 6,          # 补交 online: unpaid months before this one payable online
        "LARGE_VOLUNTARY_YUAN": 1000,  # a single voluntary payment at or above this is flagged
        "VOLUNTARY_MAX_YUAN": 1000000, # a typo guard on one voluntary payment
        "ORDER_EXPIRE_MINUTES": 30,    # an online order unpaid this long is closed at the gateway
        "CLOSE_TIMEOUT": 3,            # seconds: closing a superseded order inline, before a new one
        "WECHATPAY": {                 # absent → WeChat Pay is not offered
            "MCHID": "...", "APPID": "...", "CERT_SERIAL_NO": "...",
            "PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----...",   # merchant API key
            "APIV3_KEY": "32 characters",
            "PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----...",     # WeChat Pay platform public key
            "PUBLIC_KEY_ID": "PUB_KEY_ID_...",
            "NOTIFY_URL": "https://example.org/dues/notify/wechat/",
            "REFUND_NOTIFY_URL": "...",                         # default: NOTIFY_URL + "refund/"
            "GATEWAY": "https://api.mch.weixin.qq.com",         # a simulator's URL in tests/demo
            "TIMEOUT": 10,
        },
        "ALIPAY": {                    # absent → Alipay is not offered
            "APPID": "2021...",
            "APP_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----...",
            "ALIPAY_PUBLIC_KEY": "-----BEGIN PUBLIC KEY-----...",
            "NOTIFY_URL": "https://example.org/dues/notify/alipay/",
            "RETURN_URL": "https://example.org/dues/pay/{out_trade_no}/return/",
            "GATEWAY": "https://openapi.alipay.com/gateway.do",
            "TIMEOUT": 10,
        },
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings


@dataclass(frozen=True)
class DuesConfig:
    advance_max_months: int = 6
    late_max_months: int = 6
    large_voluntary_cents: int = 100_000
    voluntary_max_cents: int = 100_000_000
    order_expire_minutes: int = 30
    close_timeout: float = 3.0


def _dues_settings() -> dict[str, Any]:
    config = getattr(settings, "DANGJIAN", None) or {}
    return dict(config.get("DUES") or {})


def get_config() -> DuesConfig:
    raw = _dues_settings()
    return DuesConfig(
        advance_max_months=int(raw.get("ADVANCE_MAX_MONTHS", 6)),
        late_max_months=int(raw.get("LATE_MAX_MONTHS", 6)),
        large_voluntary_cents=int(raw.get("LARGE_VOLUNTARY_YUAN", 1000)) * 100,
        voluntary_max_cents=int(raw.get("VOLUNTARY_MAX_YUAN", 1_000_000)) * 100,
        order_expire_minutes=max(int(raw.get("ORDER_EXPIRE_MINUTES", 30)), 5),
        close_timeout=float(raw.get("CLOSE_TIMEOUT", 3)),
    )


def wechatpay_settings() -> dict[str, Any] | None:
    """The WeChat Pay merchant settings, or None when WeChat Pay is not configured (the demo's
    local simulator when ``DUES_DEMO_SIMULATOR`` is on and no real merchant is configured)."""
    raw = _dues_settings().get("WECHATPAY")
    if raw:
        return dict(raw)
    from dangjian.dues.simulators import demo

    return demo.wechatpay_settings()


def alipay_settings() -> dict[str, Any] | None:
    """The Alipay app settings, or None when Alipay is not configured (or the demo simulator)."""
    raw = _dues_settings().get("ALIPAY")
    if raw:
        return dict(raw)
    from dangjian.dues.simulators import demo

    return demo.alipay_settings()
