"""A local stand-in for Weibo's open API (api.weibo.com, OAuth2 access token).

- ``POST /2/statuses/share.json`` (form-encoded, or multipart/form-data with ``pic``): share a
  link to Weibo. Checks as documented on open.weibo.com/wiki/2/statuses/share: ``access_token``
  (21332 invalid_access_token, 21327 expired_token; HTTP 403 / 401), ``status`` required (10016),
  at most 140 Chinese characters (two ASCII count as one; 20012), it must contain a URL of the
  app's secure domain (10017), no ``#topic#`` (10017), ``rip`` required (10016), ``pic`` JPEG/GIF/PNG
  < 5 MB (20006/10017), the same text twice → 20019. Answers the status JSON (``id``, ``idstr``,
  ``text``, ``created_at`` …).
- ``POST /2/statuses/destroy.json`` ``id`` → the deleted status; unknown id → 20101.
- Errors are ``{"error", "error_code", "request"}`` with an HTTP 4xx/5xx status.

Test controls: ``expire_tokens()``, ``fail(path, code, error, http_status, times)``, ``down``.
"""

from __future__ import annotations

import itertools
import json
import math
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import Any

from dangjian.portal.channels.simulators._http import StandInServer, image_kind, parse_multipart

SHARE = "/2/statuses/share.json"
DESTROY = "/2/statuses/destroy.json"


def weibo_length(text: str) -> int:
    """Weibo counts a Chinese character as 1 and an ASCII character as ½ (rounded up)."""
    return math.ceil(sum(0.5 if ord(ch) < 128 else 1 for ch in text))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_POST(self) -> None:  # noqa: N802
        sim: WeiboStandIn = self.server.owner
        url = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        ctype = self.headers.get("Content-Type", "")
        if sim.down:
            status, data = 503, {"error": "Service unavailable", "error_code": 10002, "request": url.path}
        else:
            with sim.lock:
                status, data = sim.dispatch(url.path, ctype, body, self.headers.get("Authorization", ""))
        raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class WeiboStandIn(StandInServer):
    handler_class = _Handler

    def __init__(self, access_token: str = "2.00weibo-token", secure_domain: str = "127.0.0.1") -> None:  # noqa: S107
        super().__init__()
        self.access_token = access_token
        self.secure_domain = secure_domain
        self.expired = False
        self.statuses: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.failures: dict[str, list[tuple[int, int, str]]] = {}
        self.down = False
        self._ids = itertools.count(4_900_000_000_000_000)

    def expire_tokens(self) -> None:
        self.expired = True

    def fail(self, path: str, code: int, error: str, http_status: int = 400, times: int = 1) -> None:
        with self.lock:
            self.failures.setdefault(path, []).extend([(http_status, code, error)] * times)

    def live_statuses(self) -> list[dict[str, Any]]:
        return [s for s in self.statuses.values() if not s["deleted"]]

    def _e(self, path: str, status: int, code: int, error: str) -> tuple[int, dict[str, Any]]:
        return status, {"error": error, "error_code": code, "request": path}

    def dispatch(self, path: str, ctype: str, body: bytes, auth: str) -> tuple[int, dict[str, Any]]:
        self.calls.append(path)
        files: dict[str, tuple[str | None, bytes]] = {}
        if ctype.startswith("multipart/form-data"):
            files = parse_multipart(ctype, body)
            params = {k: v[1].decode("utf-8") for k, v in files.items() if v[0] is None}
        else:
            params = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        token = params.get("access_token") or (auth[7:].strip() if auth.startswith("OAuth2 ") else "")
        if not token:
            return self._e(path, 403, 21301, "auth faild!")
        if token != self.access_token:
            return self._e(path, 403, 21332, "invalid_access_token")
        if self.expired:
            return self._e(path, 401, 21327, "expired_token")
        queued = self.failures.get(path)
        if queued:
            http_status, code, error = queued.pop(0)
            return self._e(path, http_status, code, error)
        if path == SHARE:
            return self._share(path, params, files)
        if path == DESTROY:
            return self._destroy(path, params)
        return self._e(path, 404, 10020, "Request Api not found!")

    def _share(self, path: str, params: dict[str, str], files: dict[str, tuple[str | None, bytes]]
               ) -> tuple[int, dict[str, Any]]:
        text = params.get("status", "")
        if not text:
            return self._e(path, 400, 10016, "miss required parameter (status), see doc for more info.")
        if not params.get("rip"):
            return self._e(path, 400, 10016, "miss required parameter (rip), see doc for more info.")
        if weibo_length(text) > 140:
            return self._e(path, 400, 20012, "Text too long, please input text less than 140 characters!")
        if "#" in text and text.count("#") >= 2:
            return self._e(path, 400, 10017, "parameter (status)'s value invalid, topics are not allowed")
        hosts = [urllib.parse.urlsplit(w).hostname for w in text.split() if w.startswith(("http://", "https://"))]
        if self.secure_domain not in hosts:
            return self._e(path, 400, 10017,
                           "parameter (status)'s value invalid, expect (a link of the secure domain), see doc")
        pic = files.get("pic")
        if pic is not None and (image_kind(pic[1]) is None or len(pic[1]) >= 5 * 1024 * 1024):
            return self._e(path, 400, 20006, "Image size too large or not an image")
        if any(s["text"] == text and not s["deleted"] for s in self.statuses.values()):
            return self._e(path, 400, 20019, "Repeat content!")
        sid = next(self._ids)
        status = {
            "created_at": time.strftime("%a %b %d %H:%M:%S +0800 %Y"),
            "id": sid, "idstr": str(sid), "mid": str(sid), "text": text, "source": "党建云",
            "original_pic": "http://ww1.sinaimg.cn/large/sim.jpg" if pic else "", "deleted": False,
        }
        self.statuses[str(sid)] = status
        return 200, {k: v for k, v in status.items() if k != "deleted"}

    def _destroy(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        sid = params.get("id", "")
        if not sid:
            return self._e(path, 400, 10016, "miss required parameter (id), see doc for more info.")
        status = self.statuses.get(sid)
        if status is None or status["deleted"]:
            return self._e(path, 400, 20101, "Target weibo does not exist!")
        status["deleted"] = True
        return 200, {k: v for k, v in status.items() if k != "deleted"}
