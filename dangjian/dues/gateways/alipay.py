"""Alipay through ``python-alipay-sdk`` (``alipay.AliPay``; production code).

Requests are signed RSA2 (SHA256withRSA) with the app's private key; synchronous answers and the
asynchronous notification (a form POST) are verified with the Alipay public key. A computer gets
the page pay (``alipay.trade.page.pay``), a phone the WAP pay (``alipay.trade.wap.pay``); both are a
signed URL on the gateway the payer's browser opens. ``GATEWAY`` points the SDK (``_gateway``) at
a local simulator in tests and the demo.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.parse
from decimal import Decimal, InvalidOperation
from typing import Any

from alipay import AliPay
from alipay.utils import AliPayConfig

from dangjian.dues.config import alipay_settings
from dangjian.dues.gateways import BadNotification, GatewayError, OrderStart, RefundResult, TradeState

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
_STATES = {"TRADE_SUCCESS": "SUCCESS", "TRADE_FINISHED": "SUCCESS", "WAIT_BUYER_PAY": "NOTPAY",
           "TRADE_CLOSED": "CLOSED"}


def yuan_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def yuan_to_cents(text: Any) -> int | None:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError):
        return None
    cents = value * 100
    if not value.is_finite() or cents != cents.to_integral_value():
        return None
    return int(cents)


class AlipayGateway:
    channel = "alipay"

    def __init__(self, conf: dict[str, Any] | None = None) -> None:
        conf = conf if conf is not None else alipay_settings()
        if not conf:
            raise GatewayError("not_configured", "DANGJIAN['DUES']['ALIPAY'] is not set")
        self.conf = conf
        self.appid = str(conf["APPID"])
        try:
            self.client = AliPay(appid=self.appid, app_notify_url=conf["NOTIFY_URL"],
                                 app_private_key_string=conf["APP_PRIVATE_KEY"],
                                 alipay_public_key_string=conf["ALIPAY_PUBLIC_KEY"], sign_type="RSA2",
                                 config=AliPayConfig(timeout=float(conf.get("TIMEOUT", 10))))
        except Exception as exc:  # bad keys
            raise GatewayError("not_configured", str(exc)) from None
        self.client._gateway = str(conf.get("GATEWAY") or DEFAULT_GATEWAY)

    def _server(self, fn: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            data = fn(**kwargs)
        except TimeoutError as exc:
            raise GatewayError("timeout", str(exc)) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise GatewayError("timeout", str(exc)) from None
            raise GatewayError("network", str(exc)) from None
        except Exception as exc:  # AliPayException, AliPayValidationError (bad signature), bad JSON
            raise GatewayError("bad_response", str(exc)[:200]) from None
        return data if isinstance(data, dict) else {}

    def create_order(self, *, out_trade_no: str, amount_cents: int, description: str, mode: str,
                     client_ip: str = "", time_expire: str | None = None) -> OrderStart:
        return_url = str(self.conf.get("RETURN_URL", "")).replace("{out_trade_no}", out_trade_no) or None
        kwargs = {"subject": description[:128], "out_trade_no": out_trade_no,
                  "total_amount": yuan_text(amount_cents), "return_url": return_url}
        if mode == "h5":
            signed = self.client.api_alipay_trade_wap_pay(**kwargs)
        else:
            signed = self.client.api_alipay_trade_page_pay(**kwargs)
        return OrderStart(mode, f"{self.client._gateway}?{signed}")

    def query(self, out_trade_no: str) -> TradeState:
        data = self._server(self.client.api_alipay_trade_query, out_trade_no=out_trade_no)
        if data.get("code") != "10000":
            if data.get("sub_code") == "ACQ.TRADE_NOT_EXIST":  # the payer never opened the page
                return TradeState(out_trade_no, "NOTPAY", None, raw=data)
            raise GatewayError("rejected", f"{data.get('code')} {data.get('sub_code', '')}")
        return self._trade(data)

    def refund(self, *, out_trade_no: str, out_refund_no: str, refund_cents: int, total_cents: int,
               reason: str = "") -> RefundResult:
        data = self._server(self.client.api_alipay_trade_refund, refund_amount=yuan_text(refund_cents),
                            out_trade_no=out_trade_no, out_request_no=out_refund_no,
                            refund_reason=reason[:80] or "refund")
        if data.get("code") != "10000":
            return RefundResult("", str(data.get("sub_code") or data.get("code") or "FAILED"))
        return RefundResult(str(data.get("trade_no", "")), "SUCCESS")

    def parse_notification(self, headers: dict[str, str], body: str) -> TradeState:
        """The form-encoded notification: verify the RSA2 signature, check the app id."""
        data = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        signature = data.pop("sign", "")
        if not signature:
            raise BadNotification("no signature")
        try:
            ok = self.client.verify(dict(data), signature)
        except Exception as exc:  # unknown sign type, bad base64
            raise BadNotification(str(exc)) from None
        if not ok:
            raise BadNotification("signature does not verify")
        if data.get("app_id") != self.appid:
            raise BadNotification("notification for another app")
        return self._trade(data)

    @staticmethod
    def _trade(data: dict[str, Any]) -> TradeState:
        return TradeState(
            out_trade_no=str(data.get("out_trade_no", "")),
            state=_STATES.get(str(data.get("trade_status", "")), str(data.get("trade_status", ""))),
            amount_cents=yuan_to_cents(data.get("total_amount")),
            transaction_id=str(data.get("trade_no", "") or ""),
            raw=data,
        )
