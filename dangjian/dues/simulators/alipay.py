"""A local Alipay open-platform gateway (``/gateway.do``) for tests and the demo.

It checks each request's RSA2 signature with the app's public key, answers the server APIs
(``alipay.trade.query``, ``alipay.trade.refund``, ``alipay.trade.close``) with responses signed by
the Alipay key the way the real gateway signs them, serves the cashier page for
``alipay.trade.page.pay`` / ``alipay.trade.wap.pay`` (a Pay button), and on payment POSTs the signed
form-encoded notification to the ``notify_url`` and sends the browser to the ``return_url``.

Test controls: ``pay(no)``, ``notification(no, …)`` (optionally tampered), ``deliver(fields)``,
``delay_next``.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, cast
from wsgiref.simple_server import make_server

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from dangjian.dues.simulators.keys import KeyPair, make_keypair
from dangjian.dues.simulators.wechatpay import _QuietHandler, _ThreadingServer


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
        self.delivered: list[tuple[int, str]] = []
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
            if order.status == "WAIT_BUYER_PAY":
                order.status = "TRADE_SUCCESS"
                order.trade_no = time.strftime("%Y%m%d") + "22001" + f"{secrets.randbelow(10**12):012d}"
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
            "subject": order.subject if order else "", "gmt_payment": time.strftime("%Y-%m-%d %H:%M:%S"),
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
            self.pay(order.out_trade_no, notify=True)
            if order.return_url:
                back = order.return_url + ("&" if "?" in order.return_url else "?") + urllib.parse.urlencode(
                    {"out_trade_no": order.out_trade_no, "trade_no": order.trade_no,
                     "total_amount": order.total_amount, "app_id": self.appid})
                start_response("302 Found", [("Location", back)])
                return [b""]
            return self._html(start_response, 200, "<p id='sim-done'>支付成功</p>")
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
            return self._json(start_response, self._signed_response(api, payload))
        if api == "alipay.trade.refund":
            if order is None or order.status not in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                payload = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR"}
            elif str(biz.get("refund_amount")) != order.total_amount:
                payload = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"}
            else:
                order.refunded = order.total_amount
                order.status = "TRADE_CLOSED"
                payload = {"code": "10000", "msg": "Success", "trade_no": order.trade_no,
                           "out_trade_no": order.out_trade_no, "refund_fee": order.total_amount, "fund_change": "Y"}
            return self._json(start_response, self._signed_response(api, payload))
        return self._json(start_response, self._signed_response(api or "unknown", {
            "code": "40004", "msg": "Business Failed", "sub_code": "ACQ.NOT_SUPPORTED"}))

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
