"""WeChat Pay API v3 through the ``wechatpayv3`` SDK (production code).

Merchant requests are signed with the merchant's RSA key (``Authorization: WECHATPAY2-SHA256-RSA2048``);
responses and notifications are verified with the WeChat Pay platform public key
(``PUBLIC_KEY``/``PUBLIC_KEY_ID``, RSA-SHA256 over ``timestamp\\nnonce\\nbody\\n``); a notification's
``resource`` is decrypted with the APIv3 key (AEAD_AES_256_GCM). ``GATEWAY`` points the SDK at a
local simulator in tests and the demo (the SDK keeps the base URL in ``Core._gate_way``).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
from typing import Any

import requests
from wechatpayv3 import WeChatPay, WeChatPayType

from dangjian.dues.config import wechatpay_settings
from dangjian.dues.gateways import (
    BadNotification,
    BillRow,
    GatewayError,
    OrderStart,
    RefundResult,
    TradeBill,
    TradeState,
    yuan_to_cents,
)

DEFAULT_GATEWAY = "https://api.mch.weixin.qq.com"
_BEIJING = dt.timezone(dt.timedelta(hours=8))
_HEADERS = ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial",
            "Wechatpay-Signature-Type")


def notification_headers(meta: dict[str, Any]) -> dict[str, str]:
    """The signature headers of a Django request's META, under their canonical names."""
    out = {}
    for name in _HEADERS:
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in meta:
            out[name] = str(meta[key])
    return out


class WeChatPayGateway:
    channel = "wechat"

    def __init__(self, conf: dict[str, Any] | None = None) -> None:
        conf = conf if conf is not None else wechatpay_settings()
        if not conf:
            raise GatewayError("not_configured", "DANGJIAN['DUES']['WECHATPAY'] is not set")
        self.conf = conf
        self.mchid = str(conf["MCHID"])
        self.appid = str(conf["APPID"])
        try:
            self.client = WeChatPay(
                wechatpay_type=WeChatPayType.NATIVE,
                mchid=self.mchid,
                private_key=conf["PRIVATE_KEY"],
                cert_serial_no=conf["CERT_SERIAL_NO"],
                appid=self.appid,
                apiv3_key=conf["APIV3_KEY"],
                notify_url=conf["NOTIFY_URL"],
                public_key=conf["PUBLIC_KEY"],
                public_key_id=conf["PUBLIC_KEY_ID"],
                timeout=float(conf.get("TIMEOUT", 10)),
            )
        except Exception as exc:  # the SDK raises bare Exceptions for bad keys
            raise GatewayError("not_configured", str(exc)) from None
        self.client._core._gate_way = str(conf.get("GATEWAY") or DEFAULT_GATEWAY).rstrip("/")

    # --- calls ----------------------------------------------------------------------------------

    def _call(self, fn: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            code, body = fn(**kwargs)
        except requests.Timeout as exc:
            raise GatewayError("timeout", str(exc)) from None
        except requests.RequestException as exc:
            raise GatewayError("network", str(exc)) from None
        except Exception as exc:  # e.g. "failed to verify the signature"
            raise GatewayError("bad_response", str(exc)) from None
        try:
            data = json.loads(body) if body else {}
        except (TypeError, ValueError):
            raise GatewayError("bad_response", f"HTTP {code}: not JSON") from None
        if not 200 <= int(code) < 300:
            raise GatewayError("rejected", f"HTTP {code}: {data.get('code', '')} {data.get('message', '')}".strip(),
                               code=str(data.get("code", "")) if isinstance(data, dict) else "")
        return data if isinstance(data, dict) else {}

    @property
    def refund_notify_url(self) -> str:
        """Where WeChat Pay sends a refund's ``REFUND.*`` notifications: ``REFUND_NOTIFY_URL``, by
        default the payment notify URL + ``refund/`` (``/dues/notify/wechat/refund/``)."""
        return str(self.conf.get("REFUND_NOTIFY_URL") or str(self.conf["NOTIFY_URL"]).rstrip("/") + "/refund/")

    def create_order(self, *, out_trade_no: str, amount_cents: int, description: str, mode: str,
                     client_ip: str = "127.0.0.1", expire_at: dt.datetime | None = None) -> OrderStart:
        """``mode``: ``native`` (a QR code for a computer) or ``h5`` (a phone's browser)."""
        kwargs: dict[str, Any] = {
            "description": description[:127], "out_trade_no": out_trade_no,
            "amount": {"total": amount_cents, "currency": "CNY"},
        }
        if expire_at is not None:  # RFC 3339, Beijing time: the gateway refuses payment after it
            kwargs["time_expire"] = expire_at.astimezone(_BEIJING).isoformat(timespec="seconds")
        if mode == "h5":
            kwargs["pay_type"] = WeChatPayType.H5
            kwargs["scene_info"] = {"payer_client_ip": client_ip or "127.0.0.1", "h5_info": {"type": "Wap"}}
            data = self._call(self.client.pay, **kwargs)
            url = data.get("h5_url")
        else:
            kwargs["pay_type"] = WeChatPayType.NATIVE
            data = self._call(self.client.pay, **kwargs)
            url = data.get("code_url")
        if not url:
            raise GatewayError("bad_response", "no payment URL in the answer")
        return OrderStart(mode, str(url))

    def query(self, out_trade_no: str) -> TradeState:
        data = self._call(self.client.query, out_trade_no=out_trade_no)
        return self._trade(data)

    def close(self, out_trade_no: str) -> None:
        """``POST …/out-trade-no/{no}/close`` (answers 204). An order the gateway never had
        (``ORDER_NOT_EXIST``) is closed as far as anyone can pay it; a paid one is refused."""
        try:
            self._call(self.client.close, out_trade_no=out_trade_no)
        except GatewayError as exc:
            if exc.code != "ORDER_NOT_EXIST":
                raise

    def refund(self, *, out_trade_no: str, out_refund_no: str, refund_cents: int, total_cents: int,
               reason: str = "") -> RefundResult:
        """``POST /v3/refund/domestic/refunds`` with our refund notify URL; usually answered
        ``PROCESSING`` — the ``REFUND.*`` notification or a query tells how it ended."""
        data = self._call(self.client.refund, out_refund_no=out_refund_no, out_trade_no=out_trade_no,
                          amount={"refund": refund_cents, "total": total_cents, "currency": "CNY"},
                          reason=reason[:80] or None, notify_url=self.refund_notify_url)
        return self._refund(data)

    def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        """``GET /v3/refund/domestic/refunds/{out_refund_no}``; ``NOT_FOUND`` when there is none."""
        try:
            data = self._call(self.client.query_refund, out_refund_no=out_refund_no)
        except GatewayError as exc:
            if exc.code == "RESOURCE_NOT_EXISTS":
                return RefundResult("", "NOT_FOUND", out_refund_no, out_trade_no)
            raise
        return self._refund(data)

    def parse_refund_notification(self, headers: dict[str, str], body: str) -> RefundResult:
        """A ``REFUND.SUCCESS`` / ``REFUND.ABNORMAL`` / ``REFUND.CLOSED`` notification: verify the
        platform signature, decrypt the resource, check the merchant and that the event type and
        the refund state agree. Raises ``BadNotification`` otherwise."""
        data, resource = self._verified(headers, body)
        result = self._refund(resource)
        event = str(data.get("event_type", ""))
        if event not in ("REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED") or event != f"REFUND.{result.status}":
            raise BadNotification(f"event type {event!r} does not match the refund state {result.status!r}")
        return result

    @staticmethod
    def _refund(data: dict[str, Any]) -> RefundResult:
        raw_amount = data.get("amount")
        amount: dict[str, Any] = raw_amount if isinstance(raw_amount, dict) else {}

        def cents(key: str) -> int | None:
            value = amount.get(key)
            return value if isinstance(value, int) and not isinstance(value, bool) else None

        return RefundResult(
            refund_id=str(data.get("refund_id", "") or ""),
            status=str(data.get("refund_status") or data.get("status") or ""),
            out_refund_no=str(data.get("out_refund_no", "") or ""),
            out_trade_no=str(data.get("out_trade_no", "") or ""),
            refund_cents=cents("refund"), total_cents=cents("total"), raw=data,
        )

    # --- notifications --------------------------------------------------------------------------

    def _verified(self, headers: dict[str, str], body: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """A notification's envelope and decrypted resource once the platform signature checks out
        and the resource is this merchant's. Raises ``BadNotification`` otherwise."""
        try:
            data = self.client.callback(headers=headers, body=body)
        except Exception as exc:  # unsupported signature type or algorithm
            raise BadNotification(str(exc)) from None
        if not data:
            raise BadNotification("signature or decryption failed")
        resource = data.get("resource")
        if not isinstance(resource, dict):
            raise BadNotification("no resource")
        if str(resource.get("mchid", self.mchid)) != self.mchid:
            raise BadNotification("notification for another merchant")
        return data, resource

    def parse_notification(self, headers: dict[str, str], body: str) -> TradeState:
        """Verify the platform signature, decrypt the resource, return the trade it reports.
        Raises ``BadNotification`` when anything does not check out."""
        data, resource = self._verified(headers, body)
        if str(resource.get("appid", self.appid)) != self.appid:
            raise BadNotification("notification for another merchant")
        state = self._trade(resource)
        if data.get("event_type") not in (None, "TRANSACTION.SUCCESS") and state.paid:
            raise BadNotification("event type does not match the trade state")
        return state

    @staticmethod
    def _trade(data: dict[str, Any]) -> TradeState:
        amount = data.get("amount") or {}
        total = amount.get("total") if isinstance(amount, dict) else None
        return TradeState(
            out_trade_no=str(data.get("out_trade_no", "")),
            state=str(data.get("trade_state", "")),
            amount_cents=int(total) if isinstance(total, int) and not isinstance(total, bool) else None,
            transaction_id=str(data.get("transaction_id", "") or ""),
            raw=data,
        )

    # --- daily bill -----------------------------------------------------------------------------

    def trade_bill(self, bill_date: str) -> TradeBill:
        """``GET /v3/bill/tradebill`` (ALL, GZIP) gives a download URL and the SHA1 of the bill;
        the file (downloaded with a signed request, not signed back) is a CSV whose values start
        with a backquote: every successful payment and every refund of the day."""
        try:
            code, body = self.client.trade_bill(bill_date=bill_date, bill_type="ALL", tar_type="GZIP")
        except requests.Timeout as exc:
            raise GatewayError("timeout", str(exc)) from None
        except requests.RequestException as exc:
            raise GatewayError("network", str(exc)) from None
        except Exception as exc:  # signature of the answer does not verify
            raise GatewayError("bad_response", str(exc)[:200]) from None
        try:
            data = json.loads(body) if body else {}
        except (TypeError, ValueError):
            raise GatewayError("bad_response", f"HTTP {code}: not JSON") from None
        if int(code) == 400 and data.get("code") == "NO_STATEMENT_EXIST":  # no trades that day
            return TradeBill(bill_date, [])
        if not 200 <= int(code) < 300:
            raise GatewayError("rejected", f"HTTP {code}: {data.get('code', '')} {data.get('message', '')}".strip())
        url = str(data.get("download_url") or "")
        if not url:
            raise GatewayError("bad_response", "no download_url")
        try:
            code, content = self.client.download_bill(url)
        except requests.RequestException as exc:
            raise GatewayError("network", str(exc)) from None
        if not 200 <= int(code) < 300 or not isinstance(content, bytes):
            raise GatewayError("rejected", f"HTTP {code} downloading the bill")
        try:
            raw = gzip.decompress(content)
        except (OSError, EOFError) as exc:
            raise GatewayError("bad_response", f"not gzip: {exc}") from None
        digest = hashlib.sha1(raw).hexdigest()  # noqa: S324 - WeChat Pay's integrity hash is SHA1
        if str(data.get("hash_type", "SHA1")).upper() != "SHA1" or digest != str(data.get("hash_value", "")).lower():
            raise GatewayError("bad_response", "the bill's SHA1 does not match hash_value")
        return TradeBill(bill_date, parse_wechat_tradebill(raw.decode("utf-8-sig")), digest)


def parse_wechat_tradebill(text: str) -> list[BillRow]:
    """The ALL trade bill: a header line, one line per trade (``SUCCESS`` payments and ``REFUND``
    lines), then the totals. Every value is prefixed with a backquote."""
    rows: list[BillRow] = []
    lines = list(csv.reader(io.StringIO(text)))
    if not lines or "商户订单号" not in lines[0]:
        raise GatewayError("bad_response", "no header in the bill")
    header = [h.strip() for h in lines[0]]
    for record in lines[1:]:
        if not record:
            continue
        if record[0].startswith("总交易单数"):
            break
        row = dict(zip(header, (f.strip().lstrip("`") for f in record), strict=False))
        state = row.get("交易状态", "")
        if state == "SUCCESS":
            cents, entry = yuan_to_cents(row.get("订单金额")), "payment"
        elif state == "REFUND":
            cents, entry = yuan_to_cents(row.get("退款金额")), "refund"
        else:
            continue
        if cents is None:
            raise GatewayError("bad_response", f"bad amount in the bill for {row.get('商户订单号', '')}")
        rows.append(BillRow(row.get("商户订单号", ""), entry, cents, row.get("微信订单号", ""), row.get("交易时间", "")))
    return rows
