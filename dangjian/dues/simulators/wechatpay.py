"""A local WeChat Pay API v3 gateway for tests and the demo.

It checks each merchant request's ``Authorization`` signature with the merchant's public key,
signs every answer with the platform key (``Wechatpay-Signature`` etc.), and sends notifications
whose ``resource`` is AES-256-GCM encrypted with the APIv3 key and signed like the real ones.

Endpoints: ``POST /v3/pay/transactions/native`` and ``/h5``, ``GET
/v3/pay/transactions/out-trade-no/{no}``, ``POST .../{no}/close`` (204; a paid order is refused
with ``ORDERPAID``, and a closed or expired order can no longer be paid), ``POST
/v3/refund/domestic/refunds`` (answered ``SUCCESS`` at once by default, or ``PROCESSING`` and
settled later; either way the ``REFUND.*`` notification is sent afterwards, from another thread,
to the refund's ``notify_url``), ``GET /v3/refund/domestic/refunds/{out_refund_no}``; and the
payer's side: ``GET /sim/checkmweb?prepay_id=…&redirect_url=…`` (the H5 cashier page with a Pay
button) and ``POST /sim/confirm``.

Test controls: ``pay(no)`` (``OrderClosed`` for a closed or expired order), ``fail(no)``,
``notification(no, …)`` (headers and body, optionally tampered), ``deliver(headers, body)``,
``delay_next`` (answer the next API call late: a timeout); refunds: ``refund_delay`` (0: settled
before answering; seconds: settled later by a thread; None: only by ``settle_refund``),
``refund_outcome`` (SUCCESS, ABNORMAL or CLOSED), ``settle_refund(no)``,
``refund_notification(no, …)``.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import gzip
import hashlib
import html
import json
import secrets
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any, cast
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dangjian.dues.simulators.keys import KeyPair, make_apiv3_key, make_keypair


class OrderClosed(Exception):
    """The payer tried to pay an order the merchant closed (or that expired): the gateway refuses."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


BEIJING = dt.timezone(dt.timedelta(hours=8))


def beijing_now() -> dt.datetime:
    return dt.datetime.now(BEIJING)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@dataclass
class SimOrder:
    out_trade_no: str
    amount: int
    description: str
    notify_url: str
    mode: str
    prepay_id: str
    state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: str = ""
    refunds: list[dict[str, Any]] = field(default_factory=list)
    time_expire: str = ""

    def expired(self) -> bool:
        if not self.time_expire:
            return False
        try:
            return beijing_now() > dt.datetime.fromisoformat(self.time_expire)
        except ValueError:
            return False


@dataclass
class MerchantConfig:
    """What our settings need to talk to this simulator."""

    mchid: str
    appid: str
    cert_serial_no: str
    private_key: str
    apiv3_key: str
    public_key: str
    public_key_id: str
    gateway: str

    def settings(self, notify_url: str, timeout: float = 5) -> dict[str, Any]:
        return {
            "MCHID": self.mchid, "APPID": self.appid, "CERT_SERIAL_NO": self.cert_serial_no,
            "PRIVATE_KEY": self.private_key, "APIV3_KEY": self.apiv3_key, "PUBLIC_KEY": self.public_key,
            "PUBLIC_KEY_ID": self.public_key_id, "NOTIFY_URL": notify_url, "GATEWAY": self.gateway,
            "TIMEOUT": timeout,
        }


class WeChatPaySimulator:
    def __init__(self, *, merchant: KeyPair | None = None, platform: KeyPair | None = None,
                 apiv3_key: str | None = None, mchid: str = "1900000109", appid: str = "wxd678efh567hg6787") -> None:
        self.merchant = merchant or make_keypair()
        self.platform = platform or make_keypair()
        self.apiv3_key = apiv3_key or make_apiv3_key()
        self.mchid, self.appid = mchid, appid
        self.cert_serial_no = secrets.token_hex(20).upper()
        self.public_key_id = "PUB_KEY_ID_" + secrets.token_hex(16).upper()
        self._platform_key = cast(rsa.RSAPrivateKey,
                                 serialization.load_pem_private_key(self.platform.private_pem.encode(), None))
        self._merchant_pub = cast(rsa.RSAPublicKey, serialization.load_pem_public_key(self.merchant.public_pem.encode()))
        self.orders: dict[str, SimOrder] = {}
        self.requests: list[dict[str, Any]] = []
        self.delivered: list[tuple[int, str]] = []
        self.delay_next = 0.0
        self.bill_error = ""  # a test control: the tradebill API answers this error code
        self.bill_files: dict[str, bytes] = {}
        self.refund_delay: float | None = 0.0
        self.refund_outcome = "SUCCESS"
        self.lock = threading.Lock()
        self._server: _ThreadingServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> WeChatPaySimulator:
        self._server = make_server(host, port, self.wsgi, server_class=_ThreadingServer,  # type: ignore[arg-type]
                                   handler_class=_QuietHandler)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def merchant_config(self) -> MerchantConfig:
        return MerchantConfig(self.mchid, self.appid, self.cert_serial_no, self.merchant.private_pem,
                              self.apiv3_key, self.platform.public_pem, self.public_key_id, self.url)

    # --- protocol pieces ------------------------------------------------------------------------

    def _sign(self, timestamp: str, nonce: str, body: str) -> str:
        message = f"{timestamp}\n{nonce}\n{body}\n".encode()
        signature = self._platform_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()

    def signed_headers(self, body: str, *, bad_signature: bool = False) -> dict[str, str]:
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
        signature = self._sign(timestamp, nonce, body)
        if bad_signature:
            signature = self._sign(timestamp, nonce, body + " ")
        return {"Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce, "Wechatpay-Signature": signature,
                "Wechatpay-Serial": self.public_key_id, "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048"}

    def _check_authorization(self, method: str, path: str, body: str, header: str) -> bool:
        scheme, _sp, params = header.partition(" ")
        if scheme != "WECHATPAY2-SHA256-RSA2048":
            return False
        fields = dict(part.split("=", 1) for part in params.split(",") if "=" in part)
        fields = {k.strip(): v.strip().strip('"') for k, v in fields.items()}
        if fields.get("mchid") != self.mchid or fields.get("serial_no") != self.cert_serial_no:
            return False
        message = f"{method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{body}\n".encode()
        try:
            self._merchant_pub.verify(base64.b64decode(fields.get("signature", "")), message,
                                      padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return False
        return True

    def _trade(self, order: SimOrder) -> dict[str, Any]:
        data: dict[str, Any] = {
            "appid": self.appid, "mchid": self.mchid, "out_trade_no": order.out_trade_no,
            "trade_state": order.state, "trade_state_desc": order.state,
            "amount": {"total": order.amount, "payer_total": order.amount, "currency": "CNY",
                       "payer_currency": "CNY"},
        }
        if order.transaction_id:
            data.update({"transaction_id": order.transaction_id, "success_time": order.success_time,
                         "trade_type": "MWEB" if order.mode == "h5" else "NATIVE", "bank_type": "OTHERS",
                         "payer": {"openid": "oSimulatedPayer"}})
        return data

    # --- test controls --------------------------------------------------------------------------

    def order(self, out_trade_no: str) -> SimOrder:
        return self.orders[out_trade_no]

    def pay(self, out_trade_no: str, *, notify: bool = True) -> int | None:
        """The payer pays: the trade succeeds and (by default) the notification is sent. A closed
        or expired order is refused (``OrderClosed``)."""
        with self.lock:
            order = self.orders[out_trade_no]
            if order.state == "CLOSED" or (order.state == "NOTPAY" and order.expired()):
                raise OrderClosed(out_trade_no)
            if order.state not in ("SUCCESS", "REFUND"):
                order.state = "SUCCESS"
                order.transaction_id = "42000" + secrets.token_hex(12)
                order.success_time = beijing_now().strftime("%Y-%m-%dT%H:%M:%S+08:00")
        if notify:
            headers, body = self.notification(out_trade_no)
            return self.deliver(headers, body, order.notify_url)
        return None

    def fail(self, out_trade_no: str) -> None:
        with self.lock:
            self.orders[out_trade_no].state = "PAYERROR"

    def notification(self, out_trade_no: str, *, amount: int | None = None, bad_signature: bool = False,
                     resource_override: dict[str, Any] | None = None) -> tuple[dict[str, str], str]:
        """A TRANSACTION.SUCCESS notification for the order, as WeChat Pay sends it."""
        order = self.orders.get(out_trade_no)
        resource: dict[str, Any] = self._trade(order) if order else {
            "appid": self.appid, "mchid": self.mchid, "out_trade_no": out_trade_no, "trade_state": "SUCCESS",
            "transaction_id": "42000" + secrets.token_hex(12), "amount": {"total": amount or 1, "currency": "CNY"}}
        if amount is not None:
            resource["amount"] = {**resource.get("amount", {}), "total": amount, "payer_total": amount}
        if resource_override:
            resource.update(resource_override)
        nonce = secrets.token_hex(6)
        associated = "transaction"
        cipher = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), json.dumps(resource).encode(),
                                                         associated.encode())
        envelope = {
            "id": secrets.token_hex(16), "create_time": beijing_now().strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(cipher).decode(), "associated_data": associated,
                         "nonce": nonce},
        }
        body = json.dumps(envelope, ensure_ascii=False)
        return self.signed_headers(body, bad_signature=bad_signature), body

    def deliver(self, headers: dict[str, str], body: str, url: str | None = None) -> int:
        """POST a notification to the merchant's notify URL; return the HTTP status it answered
        (0 when nobody listens there)."""
        target = url or next(iter(self.orders.values())).notify_url
        request = urllib.request.Request(target, data=body.encode(), method="POST",  # noqa: S310
                                         headers={**headers, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local test URL
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = int(exc.code)
        except (urllib.error.URLError, OSError):
            status = 0
        self.delivered.append((status, body))
        return status

    # --- refunds --------------------------------------------------------------------------------

    def refund(self, out_refund_no: str) -> dict[str, Any]:
        for order in list(self.orders.values()):
            for r in order.refunds:
                if r["out_refund_no"] == out_refund_no:
                    return r
        raise KeyError(out_refund_no)

    def settle_refund(self, out_refund_no: str, status: str | None = None, *, notify: bool = True) -> int | None:
        """The refund ends (``refund_outcome`` by default) and its notification is sent."""
        with self.lock:
            refund = self.refund(out_refund_no)
            if refund["status"] == "PROCESSING":
                refund["status"] = status or self.refund_outcome
                if refund["status"] == "SUCCESS":
                    refund["success_time"] = beijing_now().strftime("%Y-%m-%dT%H:%M:%S+08:00")
                    self.orders[refund["out_trade_no"]].state = "REFUND"
        if notify and refund.get("notify_url"):
            headers, body = self.refund_notification(out_refund_no)
            return self.deliver(headers, body, refund["notify_url"])
        return None

    def refund_notification(self, out_refund_no: str, *, status: str | None = None, refund: int | None = None,
                            bad_signature: bool = False, event_type: str | None = None,
                            resource_override: dict[str, Any] | None = None) -> tuple[dict[str, str], str]:
        """A ``REFUND.<status>`` notification as WeChat Pay sends it (resource AES-256-GCM
        encrypted with the APIv3 key, ``original_type`` refund); for an unknown number, a made-up one."""
        try:
            r = self.refund(out_refund_no)
        except KeyError:
            r = {"out_refund_no": out_refund_no, "out_trade_no": "DJ00000000000000000000000000",
                 "transaction_id": "42000" + secrets.token_hex(12), "refund_id": "50000" + secrets.token_hex(12),
                 "status": status or "SUCCESS", "success_time": beijing_now().strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                 "amount": {"refund": refund or 1, "total": refund or 1}}
        state = status or r["status"]
        amount = dict(r["amount"])
        if refund is not None:
            amount["refund"] = refund
        resource: dict[str, Any] = {
            "mchid": self.mchid, "out_trade_no": r["out_trade_no"], "transaction_id": r.get("transaction_id", ""),
            "out_refund_no": r["out_refund_no"], "refund_id": r["refund_id"], "refund_status": state,
            "user_received_account": "支付用户零钱",
            "amount": {"total": amount["total"], "refund": amount["refund"], "payer_total": amount["total"],
                       "payer_refund": amount["refund"]},
        }
        if state == "SUCCESS":
            resource["success_time"] = r.get("success_time") or beijing_now().strftime("%Y-%m-%dT%H:%M:%S+08:00")
        if resource_override:
            resource.update(resource_override)
        nonce = secrets.token_hex(6)
        associated = "refund"
        cipher = AESGCM(self.apiv3_key.encode()).encrypt(nonce.encode(), json.dumps(resource).encode(),
                                                         associated.encode())
        summary = {"SUCCESS": "退款成功", "ABNORMAL": "退款异常", "CLOSED": "退款关闭"}.get(state, state)
        envelope = {
            "id": secrets.token_hex(16), "create_time": beijing_now().strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            "resource_type": "encrypt-resource", "event_type": event_type or f"REFUND.{state}", "summary": summary,
            "resource": {"original_type": "refund", "algorithm": "AEAD_AES_256_GCM",
                         "ciphertext": base64.b64encode(cipher).decode(), "associated_data": associated,
                         "nonce": nonce},
        }
        body = json.dumps(envelope, ensure_ascii=False)
        return self.signed_headers(body, bad_signature=bad_signature), body

    def _later(self, delay: float, fn: Any, *args: Any) -> None:
        def run() -> None:
            time.sleep(delay)
            with contextlib.suppress(Exception):  # a background delivery must not kill the simulator
                fn(*args)

        threading.Thread(target=run, daemon=True).start()

    # --- WSGI -----------------------------------------------------------------------------------

    def _respond(self, start_response: Any, status: int, data: dict[str, Any] | None, *,
                 signed: bool = True) -> list[bytes]:
        body = json.dumps(data) if data is not None else ""
        headers = [("Content-Type", "application/json; charset=utf-8")]
        if signed:
            headers += list(self.signed_headers(body).items())
        start_response(f"{status} {'OK' if status < 300 else 'ERROR'}", headers)
        return [body.encode()]

    def _html(self, start_response: Any, status: int, text: str, extra: list[tuple[str, str]] | None = None) -> list[bytes]:
        start_response(f"{status} OK", [("Content-Type", "text/html; charset=utf-8"), *(extra or [])])
        return [text.encode()]

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length).decode() if length else ""
        if path.startswith("/sim/"):
            return self._payer_side(method, path, query, body, start_response)
        full_path = path + (f"?{query}" if query else "")
        self.requests.append({"method": method, "path": full_path, "body": body})
        if self.delay_next:
            delay, self.delay_next = self.delay_next, 0.0
            time.sleep(delay)
        if not self._check_authorization(method, full_path, body, environ.get("HTTP_AUTHORIZATION", "")):
            return self._respond(start_response, 401, {"code": "SIGN_ERROR", "message": "签名错误"}, signed=False)
        data = json.loads(body) if body else {}
        if method == "POST" and path in ("/v3/pay/transactions/native", "/v3/pay/transactions/h5"):
            return self._create(path.rsplit("/", 1)[1], data, start_response)
        prefix = "/v3/pay/transactions/out-trade-no/"
        if path.startswith(prefix):
            no = urllib.parse.unquote(path[len(prefix):])
            if no.endswith("/close") and method == "POST":
                if data.get("mchid") != self.mchid:
                    return self._respond(start_response, 400, {"code": "PARAM_ERROR", "message": "mchid"})
                with self.lock:
                    order = self.orders.get(no[:-6])
                    if order is None:
                        return self._respond(start_response, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
                    if order.state in ("SUCCESS", "REFUND"):
                        return self._respond(start_response, 400, {"code": "ORDERPAID", "message": "订单已支付"})
                    order.state = "CLOSED"
                start_response("204 No Content", list(self.signed_headers("").items()))
                return [b""]
            order = self.orders.get(no)
            if order is None:
                return self._respond(start_response, 404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
            return self._respond(start_response, 200, self._trade(order))
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(data, start_response)
        refunds = "/v3/refund/domestic/refunds/"
        if method == "GET" and path.startswith(refunds):
            try:
                found = self.refund(urllib.parse.unquote(path[len(refunds):]))
            except KeyError:
                return self._respond(start_response, 404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
            return self._respond(start_response, 200, self._refund_view(found))
        if method == "GET" and path == "/v3/bill/tradebill":
            return self._tradebill(urllib.parse.parse_qs(query), start_response)
        if method == "GET" and path == "/v3/billdownload/file":
            token = (urllib.parse.parse_qs(query).get("token") or [""])[0]
            content = self.bill_files.get(token)
            if content is None:
                return self._respond(start_response, 404, {"code": "RESOURCE_NOT_EXISTS", "message": "账单不存在"})
            start_response("200 OK", [("Content-Type", "application/octet-stream")])  # not signed, as at WeChat Pay
            return [content]
        return self._respond(start_response, 404, {"code": "NOT_FOUND", "message": "no such API"})

    # --- the daily trade bill -------------------------------------------------------------------

    BILL_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
                   "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,"
                   "商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")

    def add_paid_order(self, out_trade_no: str, amount: int, notify_url: str = "") -> SimOrder:
        """A trade the merchant never created through us (seen only in the bill)."""
        with self.lock:
            self.orders[out_trade_no] = SimOrder(out_trade_no, amount, "党费", notify_url, "native",
                                                 "wx" + secrets.token_hex(14))
        self.pay(out_trade_no, notify=False)
        return self.orders[out_trade_no]

    def bill_text(self, bill_date: str) -> str:
        """The ALL trade bill of a day (Beijing time) in WeChat Pay's CSV layout."""
        def y(cents: int) -> str:
            return f"{cents // 100}.{cents % 100:02d}"

        lines = [self.BILL_HEADER]
        paid_total = refund_total = count = 0
        with self.lock:
            orders = list(self.orders.values())
        for o in orders:
            trade_type = "MWEB" if o.mode == "h5" else "NATIVE"
            if o.transaction_id and o.success_time[:10] == bill_date:
                count += 1
                paid_total += o.amount
                values = [o.success_time[:19].replace("T", " "), self.appid, self.mchid, "0", "", o.transaction_id,
                          o.out_trade_no, "oSimulatedPayer", trade_type, "SUCCESS", "OTHERS", "CNY", y(o.amount),
                          "0.00", "0", "0", "0.00", "0.00", "", "", o.description, "", "0.00000", "0.60%",
                          y(o.amount), "0.00", ""]
                lines.append(",".join("`" + v for v in values))
            for r in o.refunds:
                if str(r.get("success_time", ""))[:10] != bill_date:
                    continue
                count += 1
                refund = int(r["amount"]["refund"])
                refund_total += refund
                values = [str(r["success_time"])[:19].replace("T", " "), self.appid, self.mchid, "0", "",
                          o.transaction_id, o.out_trade_no, "oSimulatedPayer", trade_type, "REFUND", "OTHERS", "CNY",
                          "0.00", "0.00", str(r["refund_id"]), str(r["out_refund_no"]), y(refund), "0.00",
                          "ORIGINAL", "SUCCESS", o.description, "", "0.00000", "0.60%", "0.00", y(refund), ""]
                lines.append(",".join("`" + v for v in values))
        lines.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
        lines.append(",".join("`" + v for v in (str(count), y(paid_total), y(refund_total), "0.00", "0.00000",
                                                 y(paid_total), y(refund_total))))
        return "\r\n".join(lines) + "\r\n"

    def _tradebill(self, params: dict[str, list[str]], start_response: Any) -> list[bytes]:
        bill_date = (params.get("bill_date") or [""])[0]
        try:
            day = dt.date.fromisoformat(bill_date)
        except ValueError:
            return self._respond(start_response, 400, {"code": "PARAM_ERROR", "message": "bill_date"})
        if self.bill_error:
            return self._respond(start_response, 500, {"code": self.bill_error, "message": "系统错误"})
        if day > beijing_now().date():
            return self._respond(start_response, 400, {"code": "PARAM_ERROR", "message": "账单日期不能晚于今天"})
        text = self.bill_text(bill_date)
        if text.count("\r\n") <= 3:  # header and totals only
            return self._respond(start_response, 400, {"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"})
        raw = text.encode()
        token = secrets.token_urlsafe(16)
        self.bill_files[token] = gzip.compress(raw)
        return self._respond(start_response, 200, {
            "hash_type": "SHA1", "hash_value": hashlib.sha1(raw).hexdigest(),  # noqa: S324 - WeChat Pay's format
            "download_url": f"{self.url}/v3/billdownload/file?token={token}"})

    def _create(self, mode: str, data: dict[str, Any], start_response: Any) -> list[bytes]:
        no = str(data.get("out_trade_no", ""))
        total = (data.get("amount") or {}).get("total")
        if data.get("mchid") != self.mchid or data.get("appid") != self.appid:
            return self._respond(start_response, 400, {"code": "PARAM_ERROR", "message": "mchid/appid"})
        if not no or not isinstance(total, int) or total <= 0 or not data.get("notify_url"):
            return self._respond(start_response, 400, {"code": "PARAM_ERROR", "message": "参数错误"})
        if mode == "h5" and not (data.get("scene_info") or {}).get("h5_info"):
            return self._respond(start_response, 400, {"code": "PARAM_ERROR", "message": "scene_info"})
        with self.lock:
            order = self.orders.get(no)
            if order is not None and (order.amount != total or order.state != "NOTPAY"):
                return self._respond(start_response, 400, {"code": "ORDERPAID" if order.state == "SUCCESS"
                                                           else "OUT_TRADE_NO_USED", "message": "商户订单号重复"})
            if order is None:
                order = SimOrder(no, total, str(data.get("description", "")), str(data["notify_url"]), mode,
                                 "wx" + secrets.token_hex(14), time_expire=str(data.get("time_expire", "")))
                self.orders[no] = order
        if mode == "h5":
            return self._respond(start_response, 200, {
                "h5_url": f"{self.url}/sim/checkmweb?prepay_id={order.prepay_id}&package={secrets.randbelow(10**10)}"})
        return self._respond(start_response, 200, {"code_url": f"weixin://wxpay/bizpayurl?pr={order.prepay_id}"})

    def _refund(self, data: dict[str, Any], start_response: Any) -> list[bytes]:
        order = self.orders.get(str(data.get("out_trade_no", "")))
        amount = data.get("amount") or {}
        if order is None:
            return self._respond(start_response, 404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
        no = str(data.get("out_refund_no", ""))
        if not no:
            return self._respond(start_response, 400, {"code": "PARAM_ERROR", "message": "out_refund_no"})
        with self.lock:
            try:  # the same refund number again: the same refund (requests are idempotent)
                return self._respond(start_response, 200, self._refund_view(self.refund(no)))
            except KeyError:
                pass
            if order.state not in ("SUCCESS", "REFUND"):
                return self._respond(start_response, 403, {"code": "NOT_ENOUGH", "message": "订单未支付"})
            refunded = sum(r["amount"]["refund"] for r in order.refunds if r["status"] in ("SUCCESS", "PROCESSING"))
            if amount.get("total") != order.amount or not 0 < int(amount.get("refund", 0)) <= order.amount - refunded:
                return self._respond(start_response, 400, {"code": "PARAM_ERROR", "message": "退款金额错误"})
            refund = {"refund_id": "50000" + secrets.token_hex(12), "out_refund_no": no,
                      "out_trade_no": order.out_trade_no, "transaction_id": order.transaction_id,
                      "status": "PROCESSING", "success_time": "", "notify_url": str(data.get("notify_url") or ""),
                      "create_time": beijing_now().strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                      "amount": {"refund": amount["refund"], "total": order.amount, "currency": "CNY"}}
            order.refunds.append(refund)
            if self.refund_delay == 0:
                refund["status"] = self.refund_outcome
                if refund["status"] == "SUCCESS":
                    refund["success_time"] = beijing_now().strftime("%Y-%m-%dT%H:%M:%S+08:00")
                    order.state = "REFUND"
            answer = self._refund_view(refund)
        if self.refund_delay == 0:  # settled: notify once we have answered
            if refund["notify_url"]:
                headers, body = self.refund_notification(no)
                self._later(0.05, self.deliver, headers, body, refund["notify_url"])
        elif self.refund_delay is not None:
            self._later(self.refund_delay, self.settle_refund, no)
        return self._respond(start_response, 200, answer)

    @staticmethod
    def _refund_view(refund: dict[str, Any]) -> dict[str, Any]:
        """A refund as the refund API and the refund query answer it."""
        data = {k: v for k, v in refund.items() if k not in ("notify_url", "success_time")}
        data["channel"], data["user_received_account"] = "ORIGINAL", "支付用户零钱"
        data["amount"] = {**refund["amount"], "payer_total": refund["amount"]["total"],
                          "payer_refund": refund["amount"]["refund"]}
        if refund.get("success_time"):
            data["success_time"] = refund["success_time"]
        return data

    def _by_prepay(self, prepay_id: str) -> SimOrder | None:
        return next((o for o in self.orders.values() if o.prepay_id == prepay_id), None)

    def _payer_side(self, method: str, path: str, query: str, body: str, start_response: Any) -> list[bytes]:
        params = urllib.parse.parse_qs(query if method == "GET" else body)
        prepay = (params.get("prepay_id") or params.get("pr") or [""])[0]
        redirect = (params.get("redirect_url") or [""])[0]
        order = self._by_prepay(prepay)
        if order is None:
            return self._html(start_response, 404, "<p>订单不存在 (order not found)</p>")
        if method == "GET" and path in ("/sim/checkmweb", "/sim/scan"):
            esc = html.escape
            page = (
                "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
                "<meta name='viewport' content='width=device-width,initial-scale=1'><title>微信支付（模拟）</title></head>"
                "<body><h1>微信支付（本地模拟器）</h1>"
                f"<p id='sim-desc'>{esc(order.description)}</p><p id='sim-amount'>¥{order.amount // 100}."
                f"{order.amount % 100:02d}</p>"
                "<form method='post' action='/sim/confirm'>"
                f"<input type='hidden' name='prepay_id' value='{esc(order.prepay_id)}'>"
                f"<input type='hidden' name='redirect_url' value='{esc(redirect)}'>"
                "<button type='submit' id='sim-pay'>确认支付</button></form></body></html>"
            )
            return self._html(start_response, 200, page)
        if method == "POST" and path == "/sim/confirm":
            try:
                self.pay(order.out_trade_no, notify=True)
            except OrderClosed:
                return self._html(start_response, 400, "<p id='sim-closed'>订单已关闭 (the order is closed)</p>")
            if redirect:
                start_response("302 Found", [("Location", redirect)])
                return [b""]
            return self._html(start_response, 200, "<p id='sim-done'>支付成功</p>")
        return self._html(start_response, 404, "<p>not found</p>")
