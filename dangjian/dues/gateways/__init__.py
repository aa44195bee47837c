"""Payment gateways: production adapters around the vendors' SDKs.

Each adapter turns the vendor's answers into these small types; the actions never see an SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


class GatewayError(Exception):
    """The gateway could not be reached or refused the request. ``kind``: timeout, network,
    rejected, not_configured, bad_response."""

    def __init__(self, kind: str, message: str = "", *, code: str = "") -> None:
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind = kind
        self.message = message
        self.code = code  # the gateway's error code when it answered one (ORDER_NOT_EXIST, ACQ.…)

    @property
    def uncertain(self) -> bool:
        """The request may or may not have been carried out (no answer we could trust)."""
        return self.kind in ("timeout", "network", "bad_response")


class BadNotification(Exception):
    """A notification whose signature or encryption does not check out."""


@dataclass(frozen=True)
class OrderStart:
    """Where the payer goes: a QR-code URL (native) or a page to open (H5)."""

    mode: str
    url: str


@dataclass(frozen=True)
class TradeState:
    """A trade as the gateway sees it (from a notification or a query)."""

    out_trade_no: str
    state: str  # SUCCESS, NOTPAY, CLOSED, PAYERROR, REFUND, USERPAYING, ...
    amount_cents: int | None
    transaction_id: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def paid(self) -> bool:
        return self.state == "SUCCESS"


@dataclass(frozen=True)
class RefundResult:
    """A refund as the gateway sees it (its answer to the request, a query or a notification)."""

    refund_id: str
    status: str  # SUCCESS, PROCESSING, ABNORMAL, CLOSED; NOT_FOUND (query: no such refund); else refused
    out_refund_no: str = ""
    out_trade_no: str = ""
    refund_cents: int | None = None
    total_cents: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)


def yuan_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def yuan_to_cents(text: Any) -> int | None:
    """``"76.50"`` → 7650; None for anything that is not a whole number of fen."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    if not value.is_finite():
        return None
    cents = value * 100
    if cents != cents.to_integral_value():
        return None
    return int(cents)


@dataclass(frozen=True)
class BillRow:
    """One line of a gateway's daily trade bill: a successful payment or a refund."""

    out_trade_no: str
    entry: str  # "payment" or "refund"
    amount_cents: int
    transaction_id: str = ""
    time: str = ""


@dataclass(frozen=True)
class TradeBill:
    """A day's trade bill as downloaded (``rows`` empty when the gateway had no trades that day)."""

    bill_date: str
    rows: list[BillRow]
    sha1: str = ""


def get_gateway(channel: str, *, timeout: float | None = None) -> Any:
    """The production adapter of an online channel; ``GatewayError("not_configured")`` if unset.
    ``timeout`` shortens the configured one (closing a superseded order inline)."""
    from dangjian.dues.config import alipay_settings, wechatpay_settings

    def conf(raw: dict[str, Any] | None) -> dict[str, Any] | None:
        if raw and timeout is not None:
            return {**raw, "TIMEOUT": min(float(raw.get("TIMEOUT", 10)), timeout)}
        return raw

    if channel == "wechat":
        from dangjian.dues.gateways.wechat import WeChatPayGateway

        return WeChatPayGateway(conf(wechatpay_settings()))
    if channel == "alipay":
        from dangjian.dues.gateways.alipay import AlipayGateway

        return AlipayGateway(conf(alipay_settings()))
    raise GatewayError("not_configured", f"channel {channel!r} is not available")


def available_channels() -> list[str]:
    from dangjian.dues.config import alipay_settings, wechatpay_settings

    return [c for c, conf in (("wechat", wechatpay_settings()), ("alipay", alipay_settings())) if conf]
