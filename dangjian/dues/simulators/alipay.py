"""A local Alipay open-platform gateway (``/gateway.do``) for tests and the demo.

It checks each request's RSA2 signature with the app's public key, answers the server APIs
(``alipay.trade.query``, ``alipay.trade.refund`` — idempotent per ``out_request_no``,
``alipay.trade.fastpay.refund.query``, ``alipay.trade.close`` — a closed trade can no longer be
paid, a paid one is refused with ``ACQ.TRADE_STATUS_ERROR``) with responses signed by
the Alipay key the way the real gateway signs them, serves the cashier page for
``alipay.trade.page.pay`` / ``alipay.trade.wap.pay`` (a Pay button), and on payment POSTs the signed
form-encoded notification to the ``notify_url`` and sends the browser to the ``return_url``.

Test controls: ``pay(no)`` (``OrderClosed`` for a closed trade), ``notification(no, …)``
(optionally tampered), ``deliver(fields)``, ``delay_next`` (the next API call is carried out, but
answered late: a timeout), ``refund_error`` (the next refunds are refused with this sub_code).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from typing import Any, cast
from wsgiref.simple_server import make_server

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from dangjian.dues.simulators.keys import KeyPair, make_keypair
from dangjian.dues.simulators.wechatpay import OrderClosed, _QuietHandler, _ThreadingServer, beijing_now


class _GbkZipInfo(zipfile.ZipInfo):
    """A zip entry whose name is stored in GBK without the UTF-8 flag, as Alipay's bill files are."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's own hook
        return self.filename.encode("gbk"), self.flag_bits


@dataclass
class AlipayOrder:
    out_trade_no: str
    total_amount: str
    subject: str
    notify_url: str
    return_url: str
    product_code: str
    status: str = "WAIT_BUYER_PAY"
    trade_no: str = ""
    refunded: str = "0.00"
    paid_time: str = ""  # Beijing time, as in the bill
    refund_time: str = ""
    refund_no: str = ""


class AlipaySimulator:
    def __init__(self, *, app: KeyPair | None = None, platform: KeyPair | None = None,
                 appid: str = "2021000000000001") -> None:
        self.app = app or make_keypair()
        self.platform = platform or make_keypair()
        self.appid = appid
        self._platform_key = cast(rsa.RSAPrivateKey,
                                  serialization.load_pem_private_key(self.platform.private_pem.encode(), None))
        self._app_pub = cast(rsa.RSAPublicKey, serialization.load_pem_public_key(self.app.public_pem.encode()))
        self.orders: dict[str, AlipayOrder] = {}
        self.delay_next = 0.0
        self.bill_files: dict[str, bytes] = {}
        self.delivered: list[tuple[int, str]] = []
        self.refund_error = ""
        self.lock = threading.Lock()
        self._server: _ThreadingServer | None = None
        self.url = ""

    def start(self, host: str = "127.0.0.1", port: int = 0) -> AlipaySimulator:
        self._server = make_server(host, port, self.wsgi, server_class=_ThreadingServer,  # type: ignore[arg-type]
                                   handler_class=_QuietHandler)
        self.url = f"http://{host}:{self._server.server_port}/gateway.do"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def settings(self, notify_url: str, return_url: str, timeout: float = 5) -> dict[str, Any]:
        return {"APPID": self.appid, "APP_PRIVATE_KEY": self.app.private_pem,
                "ALIPAY_PUBLIC_KEY": self.platform.public_pem, "NOTIFY_URL": notify_url,
                "RETURN_URL": return_url, "GATEWAY": self.url, "TIMEOUT": timeout}

    # --- signatures -----------------------------------------------------------------------------

    def _sign(self, text: str) -> str:
        return base64.b64encode(self._platform_key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()

    def _check(self, params: dict[str, str]) -> bool:
        signature = params.get("sign", "")
        message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
        try:
            self._app_pub.verify(base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return params.get("app_id") == self.appid and params.get("sign_type") == "RSA2"

    def _signed_response(self, method: str, payload: dict[str, Any]) -> str:
        key = method.replace(".", "_") + "_response"
        inner = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return "{" + json.dumps(key) + ":" + inner + ',"sign":' + json.dumps(self._sign(inner)) + "}"

    # --- test controls --------------------------------------------------------------------------

    def pay(self, out_trade_no: str, *, notify: bool = True) -> int | None:
        with self.lock:
            order = self.orders[out_trade_no]
            if order.status == "TRADE_CLOSED" and not order.trade_no:  # closed unpaid (a refunded one keeps its trade_no)
                raise OrderClosed(out_trade_no)
            if order.status == "WAIT_BUYER_PAY":
                order.status = "TRADE_SUCCESS"
                order.trade_no = time.strftime("%Y%m%d") + "22001" + f"{secrets.randbelow(10**12):012d}"
                order.paid_time = beijing_now().strftime("%Y-%m-%d %H:%M:%S")
        if notify:
            return self.deliver(self.notification(out_trade_no), order.notify_url)
        return None

    def notification(self, out_trade_no: str, *, total_amount: str | None = None, bad_signature: bool = False,
                     app_id: str | None = None) -> dict[str, str]:
        """The ``trade_status_sync`` notification fields, signed (over all but sign and sign_type)."""
        order = self.orders.get(out_trade_no)
        fields = {
            "notify_time": time.strftime("%Y-%m-%d %H:%M:%S"), "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16), "app_id": app_id or self.appid, "charset": "utf-8",
            "version": "1.0", "trade_no": order.trade_no if order else "2026000022001000000000",
            "out_trade_no": out_trade_no, "trade_status": order.status if order else "TRADE_SUCCESS",
            "total_amount": total_amount or (order.total_amount if order else "1.00"),
            "receipt_amount": total_amount or (order.total_amount if order else "1.00"),
            "subject": order.subject if order else "", "gmt_payment": (order.paid_time if order and order.paid_time
                                                              else beijing_now().strftime("%Y-%m-%d %H:%M:%S")),
            "buyer_id": "2088000000000000",
        }
        message = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
        fields["sign"] = self._sign(message + ("x" if bad_signature else ""))
        fields["sign_type"] = "RSA2"
        return fields

    def deliver(self, fields: dict[str, str], url: str | None = None) -> int:
        target = url or next(iter(self.orders.values())).notify_url
        body = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(target, data=body, method="POST",  # noqa: S310
                                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local test URL
                status = int(response.status)
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = int(exc.code), ""
        self.delivered.append((status, text))
        return status

    # --- WSGI -----------------------------------------------------------------------------------

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        if path == "/sim/confirm" and method == "POST":
            form = dict(urllib.parse.parse_qsl(body))
            order = self.orders.get(form.get("out_trade_no", ""))
            if order is None:
                return self._html(start_response, 404, "<p>订单不存在</p>")
            try:
                self.pay(order.out_trade_no, notify=True)
            except OrderClosed:
                return self._html(start_response, 400, "<p id='sim-closed'>交易已关闭 (the trade is closed)</p>")
            if order.return_url:
                back = order.return_url + ("&" if "?" in order.return_url else "?") + urllib.parse.urlencode(
                    {"out_trade_no": order.out_trade_no, "trade_no": order.trade_no,
                     "total_amount": order.total_amount, "app_id": self.appid})
                start_response("302 Found", [("Location", back)])
                return [b""]
            return self._html(start_response, 200, "<p id='sim-done'>支付成功</p>")
        if path == "/sim/bill" and method == "GET":
            token = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""))).get("fileId", "")
            content = self.bill_files.get(token)
            if content is None:
                return self._html(start_response, 404, "<p>账单不存在</p>")
            start_response("200 OK", [("Content-Type", "application/oct-stream")])
            return [content]
        params = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if self.delay_next:
            delay, self.delay_next = self.delay_next, 0.0
            time.sleep(delay)
        if not self._check(params):
            return self._json(start_response, '{"error_response":{"code":"40002","msg":"Invalid Arguments",'
                                              '"sub_code":"isv.invalid-signature","sub_msg":"验签出错"}}')
        api = params.get("method", "")
        biz = json.loads(params.get("biz_content") or "{}")
        if api in ("alipay.trade.page.pay", "alipay.trade.wap.pay"):
            return self._cashier(params, biz, start_response)
        order = self.orders.get(str(biz.get("out_trade_no", "")))
        if api == "alipay.trade.query":
            if order is None:
                payload = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
                           "sub_msg": "交易不存在", "out_trade_no": biz.get("out_trade_no", "")}
            else:
                payload = {"code": "10000", "msg": "Success", "out_trade_no": order.out_trade_no,
                           "trade_no": order.trade_no, "trade_status": order.status,
                           "total_amount": order.total_amount}
                if order.paid_time:
                    payload["send_pay_date"] = order.paid_time
            return self._json(start_response, self._signed_response(api, payload))
        if api == "alipay.trade.refund":
            return self._json(start_response, self._signed_response(api, self._refund(order, biz)))
        if api == "alipay.trade.fastpay.refund.query":
            if order is None:
                payload = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
            elif order.refund_no and order.refund_no == str(biz.get("out_request_no", "")):
                payload = {"code": "10000", "msg": "Success", "trade_no": order.trade_no,
                           "out_trade_no": order.out_trade_no, "out_request_no": order.refund_no,
                           "total_amount": order.total_amount, "refund_amount": order.refunded,
                           "refund_status": "REFUND_SUCCESS", "gmt_refund_pay": order.refund_time}
            else:  # no such refund: an answer without refund data
                payload = {"code": "10000", "msg": "Success", "out_trade_no": order.out_trade_no,
                           "out_request_no": str(biz.get("out_request_no", ""))}
            return self._json(start_response, self._signed_response(api, payload))
        if api == "alipay.trade.close":
            with self.lock:
                if order is None:  # Alipay knows a trade only once the payer opened the cashier
                    payload = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
                               "sub_msg": "交易不存在"}
                elif order.status == "WAIT_BUYER_PAY" or (order.status == "TRADE_CLOSED" and not order.trade_no):
                    order.status = "TRADE_CLOSED"
                    payload = {"code": "10000", "msg": "Success", "out_trade_no": order.out_trade_no,
                               "trade_no": order.trade_no}
                else:
                    payload = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR",
                               "sub_msg": "交易状态不合法"}
            return self._json(start_response, self._signed_response(api, payload))
        if api == "alipay.data.dataservice.bill.downloadurl.query":
            return self._json(start_response, self._signed_response(api, self._bill_url(biz)))
        return self._json(start_response, self._signed_response(api or "unknown", {
            "code": "40004", "msg": "Business Failed", "sub_code": "ACQ.NOT_SUPPORTED"}))

    def _refund(self, order: AlipayOrder | None, biz: dict[str, Any]) -> dict[str, Any]:
        """A whole-trade refund, answered at once; the same ``out_request_no`` again is answered
        ``fund_change: N`` (already refunded, no money moved this time)."""
        with self.lock:
            if order is not None and order.refund_no and order.refund_no == str(biz.get("out_request_no", "")):
                return {"code": "10000", "msg": "Success", "trade_no": order.trade_no,
                        "out_trade_no": order.out_trade_no, "refund_fee": order.refunded, "fund_change": "N"}
            if self.refund_error:
                return {"code": "40004", "msg": "Business Failed", "sub_code": self.refund_error}
            if order is None or order.status not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR"}
            if str(biz.get("refund_amount")) != order.total_amount:
                return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"}
            order.refunded = order.total_amount
            order.status = "TRADE_CLOSED"
            order.refund_time = beijing_now().strftime("%Y-%m-%d %H:%M:%S")
            order.refund_no = str(biz.get("out_request_no", ""))
            return {"code": "10000", "msg": "Success", "trade_no": order.trade_no, "out_trade_no": order.out_trade_no,
                    "refund_fee": order.total_amount, "fund_change": "Y", "gmt_refund_pay": order.refund_time}

    # --- the daily bill -------------------------------------------------------------------------

    DETAIL_HEADER = ("支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,"
                     "订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,"
                     "券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注")

    def add_paid_order(self, out_trade_no: str, total_amount: str) -> AlipayOrder:
        """A trade the merchant never created through us (seen only in the bill)."""
        with self.lock:
            self.orders[out_trade_no] = AlipayOrder(out_trade_no, total_amount, "党费", "", "",
                                                    "FAST_INSTANT_TRADE_PAY")
        self.pay(out_trade_no, notify=False)
        return self.orders[out_trade_no]

    def bill_csv(self, bill_date: str) -> tuple[str, int]:
        """The day's 业务明细 file as Alipay lays it out (values padded with a tab)."""
        rows = []
        for o in list(self.orders.values()):
            if o.trade_no and o.paid_time[:10] == bill_date:
                rows.append([o.trade_no, o.out_trade_no, "交易", o.subject, o.paid_time, o.paid_time, "", "", "", "",
                             "sim***@example.com", o.total_amount, o.total_amount, "0.00", "0.00", "0.00", "0.00",
                             "0.00", "", "0.00", "0.00", "", "-0.00", "0.00", ""])
            if o.refund_time and o.refund_time[:10] == bill_date:
                rows.append([o.trade_no, o.out_trade_no, "退款", o.subject, o.paid_time, o.refund_time, "", "", "", "",
                             "sim***@example.com", o.total_amount, "-" + o.refunded, "0.00", "0.00", "0.00", "0.00",
                             "0.00", "", "0.00", "0.00", o.refund_no, "0.00", "0.00", ""])
        day = bill_date.replace("-", "")
        lines = ["#支付宝业务明细查询", "#账号：[20880000000000000156]",
                 f"#起始日期：[{day[:4]}年{day[4:6]}月{day[6:]}日 00:00:00]   终止日期：[{day[:4]}年{day[4:6]}月{day[6:]}日 23:59:59]",
                 "#-----------------------------------------业务明细列表----------------------------------------",
                 self.DETAIL_HEADER]
        lines += [",".join(v + "\t" for v in row) for row in rows]
        lines += ["#-----------------------------------------业务明细列表结束------------------------------------",
                  f"#交易合计：{sum(1 for r in rows if r[2] == '交易')}笔，退款合计：{sum(1 for r in rows if r[2] == '退款')}笔",
                  f"#导出时间：[{beijing_now():%Y年%m月%d日 %H:%M:%S}]"]
        return "\r\n".join(lines) + "\r\n", len(rows)

    def _bill_url(self, biz: dict[str, Any]) -> dict[str, Any]:
        bill_date = str(biz.get("bill_date", ""))
        try:
            day = dt.date.fromisoformat(bill_date)
        except ValueError:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-arguments",
                    "sub_msg": "bill_date"}
        if biz.get("bill_type") != "trade" or day > beijing_now().date():
            return {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-arguments",
                    "sub_msg": "账单类型或日期错误"}
        text, count = self.bill_csv(bill_date)
        if not count:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "isp.bill_not_exist", "sub_msg": "账单不存在"}
        prefix = f"20880000000000000156_{bill_date.replace('-', '')}"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            # names and contents in GBK, as Alipay's files are (no UTF-8 flag on the names)
            for name, body in ((f"{prefix}_业务明细.csv", text),
                               (f"{prefix}_业务明细(汇总).csv", "#支付宝业务汇总查询\r\n")):
                info = _GbkZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                archive.writestr(info, body.encode("gbk"))
        token = secrets.token_hex(16)
        self.bill_files[token] = buffer.getvalue()
        base = self.url.rsplit("/", 1)[0]
        return {"code": "10000", "msg": "Success",
                "bill_download_url": f"{base}/sim/bill?bizType=trade&fileType=csv.zip&bizDates={bill_date}"
                                     f"&fileId={token}"}

    def _cashier(self, params: dict[str, str], biz: dict[str, Any], start_response: Any) -> list[bytes]:
        no = str(biz.get("out_trade_no", ""))
        with self.lock:
            order = self.orders.get(no)
            if order is None:
                order = AlipayOrder(no, str(biz.get("total_amount", "")), str(biz.get("subject", "")),
                                    params.get("notify_url", ""), params.get("return_url", ""),
                                    str(biz.get("product_code", "")))
                self.orders[no] = order
        esc = html.escape
        page = ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width,initial-scale=1'><title>支付宝（模拟）</title></head>"
                f"<body><h1>支付宝收银台（本地模拟器）</h1><p id='sim-desc'>{esc(order.subject)}</p>"
                f"<p id='sim-amount'>¥{esc(order.total_amount)}</p><form method='post' action='/sim/confirm'>"
                f"<input type='hidden' name='out_trade_no' value='{esc(no)}'>"
                "<button type='submit' id='sim-pay'>确认付款</button></form></body></html>")
        return self._html(start_response, 200, page)

    @staticmethod
    def _json(start_response: Any, text: str) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json; charset=utf-8")])
        return [text.encode()]

    @staticmethod
    def _html(start_response: Any, status: int, text: str) -> list[bytes]:
        start_response(f"{status} OK", [("Content-Type", "text/html; charset=utf-8")])
        return [text.encode()]
