"""Alipay through ``python-alipay-sdk`` (``alipay.AliPay``; production code).

Requests are signed RSA2 (SHA256withRSA) with the app's private key; synchronous answers and the
asynchronous notification (a form POST) are verified with the Alipay public key. A computer gets
the page pay (``alipay.trade.page.pay``), a phone the WAP pay (``alipay.trade.wap.pay``); both are a
signed URL on the gateway the payer's browser opens. ``GATEWAY`` points the SDK (``_gateway``) at
a local simulator in tests and the demo.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import socket
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import Any

from alipay import AliPay
from alipay.utils import AliPayConfig

from dangjian.dues.config import alipay_settings
from dangjian.dues.gateways import (
    BadNotification,
    BillRow,
    GatewayError,
    OrderStart,
    RefundResult,
    TradeBill,
    TradeState,
    yuan_text,
    yuan_to_cents,
)

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
_BEIJING = dt.timezone(dt.timedelta(hours=8))
_STATES = {"TRADE_SUCCESS": "SUCCESS", "TRADE_FINISHED": "SUCCESS", "WAIT_BUYER_PAY": "NOTPAY",
           "TRADE_CLOSED": "CLOSED"}


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
                     client_ip: str = "", expire_at: dt.datetime | None = None) -> OrderStart:
        return_url = str(self.conf.get("RETURN_URL", "")).replace("{out_trade_no}", out_trade_no) or None
        kwargs: dict[str, Any] = {"subject": description[:128], "out_trade_no": out_trade_no,
                                  "total_amount": yuan_text(amount_cents), "return_url": return_url}
        if expire_at is not None:  # "yyyy-MM-dd HH:mm:ss", Beijing time: no payment after it
            kwargs["time_expire"] = expire_at.astimezone(_BEIJING).strftime("%Y-%m-%d %H:%M:%S")
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

    def close(self, out_trade_no: str) -> None:
        """``alipay.trade.close``. A trade Alipay does not know yet (the payer never opened the
        cashier: ``ACQ.TRADE_NOT_EXIST``) has nothing to close — the order's ``time_expire``
        still bounds it; a paid trade is refused (``ACQ.TRADE_STATUS_ERROR``)."""
        data = self._server(self.client.api_alipay_trade_close, out_trade_no=out_trade_no)
        if data.get("code") != "10000" and data.get("sub_code") != "ACQ.TRADE_NOT_EXIST":
            raise GatewayError("rejected", f"{data.get('code')} {data.get('sub_code', '')}",
                               code=str(data.get("sub_code") or data.get("code") or ""))

    def refund(self, *, out_trade_no: str, out_refund_no: str, refund_cents: int, total_cents: int,
               reason: str = "") -> RefundResult:
        """``alipay.trade.refund`` answers at once: ``fund_change`` Y = refunded. ``N`` (an earlier
        request with this number was already carried out, or not) and a system error are not an
        answer: ``PROCESSING``, the refund query decides."""
        data = self._server(self.client.api_alipay_trade_refund, refund_amount=yuan_text(refund_cents),
                            out_trade_no=out_trade_no, out_request_no=out_refund_no,
                            refund_reason=reason[:80] or "refund")
        base: dict[str, Any] = {"out_refund_no": out_refund_no, "out_trade_no": out_trade_no, "raw": data}
        if data.get("code") != "10000":
            if data.get("code") == "20000" or data.get("sub_code") == "ACQ.SYSTEM_ERROR":
                return RefundResult("", "PROCESSING", **base)
            return RefundResult("", str(data.get("sub_code") or data.get("code") or "FAILED"), **base)
        status = "SUCCESS" if data.get("fund_change") == "Y" else "PROCESSING"
        return RefundResult(str(data.get("trade_no", "")), status, refund_cents=yuan_to_cents(data.get("refund_fee")),
                            **base)

    def query_refund(self, *, out_trade_no: str, out_refund_no: str) -> RefundResult:
        """``alipay.trade.fastpay.refund.query``: refunded when it returns the refund (with
        ``refund_status`` ``REFUND_SUCCESS``, or none in older answers); ``NOT_FOUND`` when it
        returns none — the refund was not made and may be asked again with the same number."""
        method = "alipay.trade.fastpay.refund.query"
        data = self._server(lambda: self.client.verified_sync_response(
            self.client.build_body(method, {"out_trade_no": out_trade_no, "out_request_no": out_refund_no,
                                            "query_options": ["gmt_refund_pay"]}),
            method.replace(".", "_") + "_response"))
        if data.get("code") != "10000":
            raise GatewayError("rejected", f"{data.get('code')} {data.get('sub_code', '')}",
                               code=str(data.get("sub_code") or data.get("code") or ""))
        base: dict[str, Any] = {"out_refund_no": out_refund_no, "out_trade_no": out_trade_no, "raw": data}
        if data.get("refund_amount") and data.get("refund_status") in (None, "", "REFUND_SUCCESS"):
            return RefundResult(str(data.get("trade_no", "")), "SUCCESS",
                                refund_cents=yuan_to_cents(data.get("refund_amount")),
                                total_cents=yuan_to_cents(data.get("total_amount")), **base)
        return RefundResult("", "NOT_FOUND", **base)

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

    # --- daily bill -----------------------------------------------------------------------------

    def trade_bill(self, bill_date: str) -> TradeBill:
        """The day's trade bill: ``alipay.data.dataservice.bill.downloadurl.query`` (bill_type
        ``trade``) gives a short-lived URL of a zip holding GBK CSV files; the detail file
        (``…_业务明细.csv``) lists every payment (交易) and refund (退款)."""
        method = "alipay.data.dataservice.bill.downloadurl.query"
        data = self._server(lambda: self.client.verified_sync_response(
            self.client.build_body(method, {"bill_type": "trade", "bill_date": bill_date}),
            method.replace(".", "_") + "_response"))
        if data.get("code") != "10000":
            if data.get("sub_code") == "isp.bill_not_exist":  # no trades that day
                return TradeBill(bill_date, [])
            raise GatewayError("rejected", f"{data.get('code')} {data.get('sub_code', '')}")
        url = str(data.get("bill_download_url") or "")
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise GatewayError("bad_response", "no bill download URL")
        try:
            with urllib.request.urlopen(url, timeout=float(self.conf.get("TIMEOUT", 10))) as response:  # noqa: S310
                payload = response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise GatewayError("network", str(exc)[:200]) from None
        return TradeBill(bill_date, parse_alipay_bill_zip(payload), hashlib.sha1(payload).hexdigest())  # noqa: S324


def _zip_name(info: zipfile.ZipInfo) -> str:
    if info.flag_bits & 0x800:  # UTF-8 name
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def parse_alipay_bill_zip(payload: bytes) -> list[BillRow]:
    """The rows of the detail CSV inside Alipay's bill zip (``GatewayError`` if it is not one)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
        names = [i for i in archive.infolist() if _zip_name(i).endswith(".csv") and "汇总" not in _zip_name(i)]
        if not names:
            raise GatewayError("bad_response", "no detail file in the bill")
        text = archive.read(names[0]).decode("gbk")
    except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise GatewayError("bad_response", str(exc)[:200]) from None
    return parse_alipay_bill_csv(text)


def parse_alipay_bill_csv(text: str) -> list[BillRow]:
    """``支付宝交易号, 商户订单号, 业务类型, …, 完成时间, …, 订单金额（元）, 商家实收（元）, …`` — the
    values padded with tabs; comment lines start with ``#``."""
    rows: list[BillRow] = []
    header: list[str] | None = None
    for record in csv.reader(io.StringIO(text)):
        if not record or record[0].startswith("#"):
            continue
        fields = [f.strip() for f in record]
        if header is None:
            if fields[0] == "支付宝交易号":
                header = fields
            continue
        row = dict(zip(header, fields, strict=False))
        kind = row.get("业务类型", "")
        if kind == "交易":
            cents = yuan_to_cents(row.get("订单金额（元）"))
            entry = "payment"
        elif kind == "退款":
            cents = yuan_to_cents(row.get("商家实收（元）"))
            cents = abs(cents) if cents is not None else None
            entry = "refund"
        else:
            continue
        if cents is None:
            raise GatewayError("bad_response", f"bad amount in the bill for {row.get('商户订单号', '')}")
        rows.append(BillRow(row.get("商户订单号", ""), entry, cents, row.get("支付宝交易号", ""),
                            row.get("完成时间", "")))
    if header is None:
        raise GatewayError("bad_response", "no header in the bill")
    return rows
