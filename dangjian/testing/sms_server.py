"""A local stand-in for Tencent Cloud's SMS API (API 3.0, ``SendSms``, version 2021-01-11).

It speaks the real protocol so the official SDK talks to it unchanged: POST / with a JSON body,
``X-TC-Action``/``X-TC-Version``/``X-TC-Timestamp`` headers and a TC3-HMAC-SHA256
``Authorization`` header, which it verifies by recomputing the signature with the shared secret
key (canonical request → string to sign → keys derived from "TC3"+key, date, service,
"tc3_request"). Answers have the real shapes (HTTP 200 with ``Response.Error`` on failure).

    with TencentSmsStandIn(secret_id="AKID...", secret_key="...") as sms:
        settings.SMS_ENDPOINT, settings.SMS_SCHEME = sms.endpoint, "http"
        ...
        sms.requests[0]["PhoneNumberSet"]
        sms.fail_code = "LimitExceeded.PhoneNumberDailyLimit"   # every SendSms now fails
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACTION = "SendSms"
VERSION = "2021-01-11"
SERVICE = "sms"
ALGORITHM = "TC3-HMAC-SHA256"
MAX_CLOCK_SKEW = 300

_AUTH_RE = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/]+)/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})$"
)

ERROR_MESSAGES = {
    "LimitExceeded.PhoneNumberDailyLimit": "单个手机号日下发短信条数超过设定的上限。",
    "FailedOperation.TemplateIncorrectOrUnapproved": "模板未审批或内容不匹配。",
    "InternalError.Timeout": "请求下发短信超时。",
}


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def tc3_signature(secret_key: str, *, method: str, uri: str, query: str, headers: dict[str, str],
                  signed_headers: list[str], payload: bytes, timestamp: int, service: str) -> str:
    """The documented TC3-HMAC-SHA256 signature (cloud.tencent.com/document/api/382/52072)."""
    canonical_headers = "".join(f"{h}:{headers.get(h, '').strip().lower()}\n" for h in signed_headers)
    canonical_request = "\n".join([
        method, uri, query, canonical_headers, ";".join(signed_headers), hashlib.sha256(payload).hexdigest(),
    ])
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join([
        ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest(),
    ])
    secret_date = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet in tests
        pass

    def _answer(self, response: dict) -> None:
        response.setdefault("RequestId", str(uuid.uuid4()))
        body = json.dumps({"Response": response}, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, code: str, message: str) -> None:
        self.server.owner.errors.append(code)
        self._answer({"Error": {"Code": code, "Message": message}})

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        owner = self.server.owner
        payload = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        problem = owner.check_signature("POST", self.path, headers, payload)
        if problem:
            self._error(*problem)
            return
        if headers.get("x-tc-action") != ACTION:
            self._error("InvalidAction", f"Action {headers.get('x-tc-action')!r} is not supported here.")
            return
        if headers.get("x-tc-version") != VERSION:
            self._error("NoSuchVersion", f"Version {headers.get('x-tc-version')!r} is not supported.")
            return
        try:
            params = json.loads(payload or b"{}")
        except ValueError:
            self._error("InvalidParameter", "The request body is not JSON.")
            return
        for name in ("SmsSdkAppId", "TemplateId", "PhoneNumberSet"):
            if not params.get(name):
                self._error("MissingParameter", f"The request is missing a required parameter `{name}`.")
                return
        if owner.app_id and params["SmsSdkAppId"] != owner.app_id:
            self._error("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId verify fail.")
            return
        owner.requests.append(params)
        if owner.fail_code:
            self._error(owner.fail_code, ERROR_MESSAGES.get(owner.fail_code, "Request failed."))
            return
        statuses = []
        for phone in params["PhoneNumberSet"]:
            serial = f"2433:{next(owner._serials)}"
            owner.sent.append({"serial": serial, "phone": phone, "params": params})
            statuses.append({
                "SerialNo": serial, "PhoneNumber": phone, "Fee": 1,
                "SessionContext": params.get("SessionContext", ""),
                "Code": "Ok", "Message": "send success", "IsoCode": "CN",
            })
        self._answer({"SendStatusSet": statuses})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: TencentSmsStandIn


class TencentSmsStandIn:
    def __init__(self, *, secret_id: str, secret_key: str, app_id: str = "", host: str = "127.0.0.1") -> None:
        self.credentials = {secret_id: secret_key}
        self.app_id = app_id
        self.requests: list[dict] = []
        self.sent: list[dict] = []
        self.errors: list[str] = []
        self.fail_code: str | None = None
        self._serials = itertools.count(int(time.time()) * 1000)
        self._server = _Server((host, 0), _Handler)
        self._server.owner = self
        self.host, self.port = host, self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        """``host:port`` for ``HttpProfile(endpoint=...)`` (with protocol "http")."""
        return f"{self.host}:{self.port}"

    def check_signature(self, method: str, path: str, headers: dict[str, str], payload: bytes) -> tuple[str, str] | None:
        match = _AUTH_RE.match(headers.get("authorization", ""))
        if not match:
            return ("AuthFailure.SignatureFailure", "The Authorization header is missing or malformed.")
        key = self.credentials.get(match["id"])
        if key is None:
            return ("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        try:
            timestamp = int(headers.get("x-tc-timestamp", ""))
        except ValueError:
            return ("AuthFailure.SignatureFailure", "X-TC-Timestamp is missing.")
        if abs(time.time() - timestamp) > MAX_CLOCK_SKEW:
            return ("AuthFailure.SignatureExpire", "The signature has expired.")
        if datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") != match["date"] or match["service"] != SERVICE:
            return ("AuthFailure.SignatureFailure", "The credential scope does not match.")
        signed = match["signed"].split(";")
        if "host" not in signed or "content-type" not in signed:
            return ("AuthFailure.SignatureFailure", "content-type and host must be signed.")
        uri, _sep, query = path.partition("?")
        expected = tc3_signature(
            key, method=method, uri=uri, query=query, headers=headers, signed_headers=signed,
            payload=payload, timestamp=timestamp, service=match["service"],
        )
        if not hmac.compare_digest(expected, match["sig"]):
            return ("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        return None

    def start(self) -> TencentSmsStandIn:
        self._thread = threading.Thread(target=self._server.serve_forever, name="tencent-sms-stand-in", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> TencentSmsStandIn:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
