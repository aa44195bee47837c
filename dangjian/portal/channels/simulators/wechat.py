"""A local stand-in for the WeChat official-account API (微信公众平台, api.weixin.qq.com).

Paths, parameters, JSON shapes and ``errcode``/``errmsg`` as documented on
developers.weixin.qq.com (公众号 → 基础接口 / 素材管理 / 草稿箱 / 发布能力):

- ``GET /cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` →
  ``{"access_token", "expires_in": 7200}``; 40002 bad grant_type, 40013 invalid appid,
  40125 invalid appsecret. Every other call needs ``?access_token=``: 41001 missing,
  40001 invalid (not issued, or revoked), 42001 expired.
- ``POST /cgi-bin/material/add_material?type=image`` (multipart ``media``) → ``{"media_id", "url"}``
  (permanent material; used as an article's ``thumb_media_id``).
- ``POST /cgi-bin/media/uploadimg`` (multipart ``media``, jpg/png ≤ 1 MB) → ``{"url"}`` for
  images inside an article's ``content``; other images in ``content`` are refused here.
- ``POST /cgi-bin/draft/add`` ``{"articles": [...]}`` → ``{"media_id"}``; ``/draft/update``,
  ``/draft/get``, ``/draft/delete``. Checks title (≤ 64), author (≤ 16), digest (≤ 128),
  content (required, < 20,000 characters), ``thumb_media_id`` (a known permanent image: 40007).
- ``POST /cgi-bin/freepublish/submit`` ``{"media_id"}`` → ``{"errcode": 0, "publish_id", "msg_data_id"}``;
  ``/freepublish/get`` ``{"publish_id"}`` → ``publish_status`` (0 success, 1 publishing, 2–6 failed)
  and ``article_id`` + ``article_detail``; ``/freepublish/getarticle``, ``/freepublish/delete``.
- ``GET /s/<article_id>``: the published article as a reader sees it (HTML).
- ``POST /datacube/getarticlesummary`` ``{"begin_date", "end_date"}`` (图文群发每日数据,
  developers.weixin.qq.com/doc/service/api/wedata/news/api_getarticlesummary) → ``{"list": [{"ref_date",
  "msgid": "<msg_data_id>_<index>", "title", "int_page_read_user", "int_page_read_count",
  "ori_page_read_user", "ori_page_read_count", "share_user", "share_count", "add_to_fav_user",
  "add_to_fav_count", "user_source"}]}``, only articles read that day; 61500 date format error
  (not YYYY-MM-DD), 61501 date range error (end before begin, more than one day, not before
  today in Beijing time).

Test controls: ``set_reads(article_id, day, count)`` (what the statistics report),
``expire_tokens()`` (next calls get 42001), ``revoke_tokens()`` (40001),
``fail(path, errcode, errmsg, times)`` (e.g. ``-1`` system busy), ``publishing_polls`` (how many
status queries answer "publishing" before success), ``down`` (answer HTTP 503), ``calls``.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import re
import secrets
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import Any
from zoneinfo import ZoneInfo

from dangjian.portal.channels.simulators._http import StandInServer, image_kind, parse_multipart

TOKEN_TTL = 7200
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40004: "invalid media type",
    40005: "invalid file type",
    40007: "invalid media_id",
    40013: "invalid appid",
    40125: "invalid appsecret",
    41001: "access_token missing",
    41005: "media data missing",
    42001: "access_token expired",
    44002: "empty post data",
    44003: "empty news data",
    44004: "empty content",
    45002: "content size out of limit",
    45003: "title size out of limit",
    45004: "description size out of limit",
    45110: "author size out of limit",
    45166: "invalid content",
    47001: "data format error",
    53600: "Article ID 无效",
    61500: "date format error",
    61501: "date range error",
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_IMG_RE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.I)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Any

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: dict[str, Any]) -> None:
        self._send(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; encoding=utf-8")

    def _handle(self, method: str) -> None:
        sim: WeChatStandIn = self.server.owner
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if sim.down:
            self._send(503, b"Service Unavailable", "text/plain")
            return
        if method == "GET" and url.path.startswith("/s/"):
            self._article_page(sim, url.path[3:])
            return
        if method == "GET" and url.path.startswith("/mmbiz/"):
            data = sim.files.get(url.path)
            if data is None:
                self._send(404, b"not found", "text/plain")
            else:
                self._send(200, data, "image/" + (image_kind(data) or "png"))
            return
        with sim.lock:
            sim.calls.append((method, url.path))
            self._json(sim.dispatch(method, url.path, query, body, self.headers.get("Content-Type", "")))

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _article_page(self, sim: WeChatStandIn, article_id: str) -> None:
        with sim.lock:
            article = sim.articles.get(article_id)
        if article is None or article.get("deleted"):
            self._send(404, "<h1>该内容已被发布者删除</h1>".encode(), "text/html; charset=utf-8")
            return
        item = article["news_item"][0]
        page = (f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{html.escape(item['title'])}"
                f"</title></head><body><h1 id='activity-name'>{html.escape(item['title'])}</h1>"
                f"<p class='author'>{html.escape(item.get('author', ''))}</p>"
                f"<div id='js_content'>{item['content']}</div></body></html>")
        self._send(200, page.encode("utf-8"), "text/html; charset=utf-8")


class WeChatStandIn(StandInServer):
    handler_class = _Handler

    def __init__(self, app_id: str = "wx0123456789abcdef", app_secret: str = "s3cr3t-wechat") -> None:  # noqa: S107
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.tokens: dict[str, float] = {}  # token -> expiry (epoch seconds)
        self.revoked: set[str] = set()
        self.materials: dict[str, dict[str, Any]] = {}
        self.inline_urls: set[str] = set()
        self.files: dict[str, bytes] = {}
        self.drafts: dict[str, dict[str, Any]] = {}
        self.publishes: dict[str, dict[str, Any]] = {}
        self.articles: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.token_requests = 0
        self.failures: dict[str, list[tuple[int, str]]] = {}
        self.publishing_polls = 0
        self.down = False
        self.reads: dict[tuple[str, str], int] = {}  # (msgid, ref_date) -> int_page_read_count
        self._ids = itertools.count(1000)

    # --- test controls -------------------------------------------------------------------
    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = time.time() - 1

    def revoke_tokens(self) -> None:
        with self.lock:
            self.revoked.update(self.tokens)

    def fail(self, path: str, errcode: int, errmsg: str = "", times: int = 1) -> None:
        with self.lock:
            self.failures.setdefault(path, []).extend([(errcode, errmsg or ERRMSG.get(errcode, "error"))] * times)

    def set_reads(self, article_id: str, day: dt.date, count: int) -> str:
        """The statistics report ``count`` reads of a published article on ``day``; returns its msgid."""
        with self.lock:
            msgid = f"{self.articles[article_id]['msg_data_id']}_1"
            self.reads[(msgid, day.isoformat())] = count
            return msgid

    def live_articles(self) -> list[dict[str, Any]]:
        with self.lock:
            return [a for a in self.articles.values() if not a.get("deleted")]

    def calls_to(self, path: str) -> int:
        return sum(1 for _m, p in self.calls if p == path)

    # --- protocol ------------------------------------------------------------------------
    def _err(self, code: int) -> dict[str, Any]:
        return {"errcode": code, "errmsg": ERRMSG.get(code, "error") + f" rid: {secrets.token_hex(4)}"}

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}{secrets.token_hex(6)}"

    def dispatch(self, method: str, path: str, query: dict[str, str], body: bytes, ctype: str) -> dict[str, Any]:
        if path == "/cgi-bin/token":
            return self._token(query)
        token = query.get("access_token")
        if not token:
            return self._err(41001)
        if token not in self.tokens or token in self.revoked:
            return self._err(40001)
        if self.tokens[token] < time.time():
            return self._err(42001)
        queued = self.failures.get(path)
        if queued:
            code, msg = queued.pop(0)
            return {"errcode": code, "errmsg": msg}
        if method != "POST":
            return self._err(47001)
        if path == "/cgi-bin/material/add_material":
            return self._add_material(query, body, ctype)
        if path == "/cgi-bin/media/uploadimg":
            return self._uploadimg(body, ctype)
        try:
            data = json.loads(body or b"")
        except ValueError:
            return self._err(47001)
        if not isinstance(data, dict) or not data:
            return self._err(44002)
        handler = {
            "/cgi-bin/draft/add": self._draft_add,
            "/cgi-bin/draft/update": self._draft_update,
            "/cgi-bin/draft/get": self._draft_get,
            "/cgi-bin/draft/delete": self._draft_delete,
            "/cgi-bin/freepublish/submit": self._submit,
            "/cgi-bin/freepublish/get": self._publish_get,
            "/cgi-bin/freepublish/getarticle": self._getarticle,
            "/cgi-bin/freepublish/delete": self._publish_delete,
            "/datacube/getarticlesummary": self._article_summary,
        }.get(path)
        if handler is None:
            return {"errcode": 48001, "errmsg": "api unauthorized"}
        return handler(data)

    def _token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("grant_type") != "client_credential":
            return self._err(40002)
        if query.get("appid") != self.app_id:
            return self._err(40013)
        if query.get("secret") != self.app_secret:
            return self._err(40125)
        self.token_requests += 1
        token = secrets.token_urlsafe(48)
        self.tokens[token] = time.time() + TOKEN_TTL
        return {"access_token": token, "expires_in": TOKEN_TTL}

    def _store_file(self, data: bytes) -> str:
        path = f"/mmbiz/{secrets.token_hex(8)}.{image_kind(data)}"
        self.files[path] = data
        return self.base_url + path

    def _add_material(self, query: dict[str, str], body: bytes, ctype: str) -> dict[str, Any]:
        kind = query.get("type")
        if kind not in {"image", "voice", "video", "thumb"}:
            return self._err(40004)
        media = parse_multipart(ctype, body).get("media")
        if not media or not media[1]:
            return self._err(41005)
        if kind in {"image", "thumb"} and (image_kind(media[1]) is None or len(media[1]) > 10 * 1024 * 1024):
            return self._err(40005)
        media_id = self._next_id("MEDIA_")
        url = self._store_file(media[1])
        self.materials[media_id] = {"type": kind, "url": url, "filename": media[0]}
        return {"media_id": media_id, "url": url}

    def _uploadimg(self, body: bytes, ctype: str) -> dict[str, Any]:
        media = parse_multipart(ctype, body).get("media")
        if not media or not media[1]:
            return self._err(41005)
        if image_kind(media[1]) not in {"png", "jpg"} or len(media[1]) > 1024 * 1024:
            return self._err(40005)
        url = self._store_file(media[1])
        self.inline_urls.add(url)
        return {"url": url}

    def _check_article(self, a: Any) -> int:
        if not isinstance(a, dict):
            return 47001
        title, content = a.get("title"), a.get("content")
        if not title or not isinstance(title, str):
            return 44003
        if len(title) > 64:
            return 45003
        if len(a.get("author") or "") > 16:
            return 45110
        if len(a.get("digest") or "") > 128:
            return 45004
        if not content or not isinstance(content, str):
            return 44004
        if len(content) >= 20000:
            return 45002
        if any(src not in self.inline_urls for src in _IMG_RE.findall(content)):
            return 45166  # images in the text must come from uploadimg
        thumb = a.get("thumb_media_id")
        known = thumb in self.materials and self.materials[thumb]["type"] in {"image", "thumb"}
        if a.get("article_type", "news") == "news" and not known:
            return 40007
        return 0

    def _draft_add(self, data: dict[str, Any]) -> dict[str, Any]:
        articles = data.get("articles")
        if not isinstance(articles, list) or not articles:
            return self._err(44003)
        for a in articles:
            code = self._check_article(a)
            if code:
                return self._err(code)
        media_id = self._next_id("DRAFT_")
        self.drafts[media_id] = {"news_item": [dict(a) for a in articles], "update_time": int(time.time())}
        return {"media_id": media_id}

    def _draft_update(self, data: dict[str, Any]) -> dict[str, Any]:
        draft = self.drafts.get(str(data.get("media_id")))
        if draft is None:
            return self._err(40007)
        index = data.get("index", 0)
        if not isinstance(index, int) or not 0 <= index < len(draft["news_item"]):
            return self._err(47001)
        code = self._check_article(data.get("articles"))
        if code:
            return self._err(code)
        draft["news_item"][index] = dict(data["articles"])
        return {"errcode": 0, "errmsg": "ok"}

    def _draft_get(self, data: dict[str, Any]) -> dict[str, Any]:
        draft = self.drafts.get(str(data.get("media_id")))
        return self._err(40007) if draft is None else dict(draft)

    def _draft_delete(self, data: dict[str, Any]) -> dict[str, Any]:
        if self.drafts.pop(str(data.get("media_id")), None) is None:
            return self._err(40007)
        return {"errcode": 0, "errmsg": "ok"}

    def _submit(self, data: dict[str, Any]) -> dict[str, Any]:
        media_id = str(data.get("media_id"))
        draft = self.drafts.get(media_id)
        if draft is None:
            return self._err(40007)
        publish_id = str(next(self._ids) * 1000 + 7)
        msg_data_id = int(publish_id) + 1
        self.publishes[publish_id] = {"media_id": media_id, "polls_left": self.publishing_polls,
                                      "draft": draft, "article_id": "", "msg_data_id": msg_data_id}
        return {"errcode": 0, "errmsg": "ok", "publish_id": publish_id, "msg_data_id": msg_data_id}

    def _publish_get(self, data: dict[str, Any]) -> dict[str, Any]:
        pub = self.publishes.get(str(data.get("publish_id")))
        if pub is None:
            return self._err(47001)
        if pub["polls_left"] > 0:
            pub["polls_left"] -= 1
            return {"publish_id": data["publish_id"], "publish_status": 1, "fail_idx": []}
        if not pub["article_id"]:  # the draft becomes a published article and leaves the draft box
            article_id = self._next_id("ART_")
            pub["article_id"] = article_id
            self.articles[article_id] = {"news_item": pub["draft"]["news_item"], "deleted": False,
                                         "publish_id": data["publish_id"], "msg_data_id": pub["msg_data_id"]}
            self.drafts.pop(pub["media_id"], None)
        article_id = pub["article_id"]
        return {
            "publish_id": data["publish_id"], "publish_status": 0, "article_id": article_id,
            "article_detail": {"count": 1, "item": [{"idx": 1, "article_url": f"{self.base_url}/s/{article_id}"}]},
            "fail_idx": [],
        }

    def _getarticle(self, data: dict[str, Any]) -> dict[str, Any]:
        article = self.articles.get(str(data.get("article_id")))
        if article is None or article["deleted"]:
            return self._err(53600)
        return {"news_item": [dict(i, is_deleted=False) for i in article["news_item"]]}

    def _publish_delete(self, data: dict[str, Any]) -> dict[str, Any]:
        article = self.articles.get(str(data.get("article_id")))
        if article is None or article["deleted"]:
            return self._err(53600)
        article["deleted"] = True
        return {"errcode": 0, "errmsg": "ok"}

    def _article_summary(self, data: dict[str, Any]) -> dict[str, Any]:
        begin, end = data.get("begin_date"), data.get("end_date")
        days = []
        for value in (begin, end):
            if not isinstance(value, str) or not _DATE_RE.match(value):
                return self._err(61500)
            try:
                days.append(dt.date.fromisoformat(value))
            except ValueError:
                return self._err(61500)
        today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
        if days[1] < days[0] or (days[1] - days[0]).days > 0 or days[1] >= today:
            return self._err(61501)  # getarticlesummary: one day at most, yesterday at the latest
        titles = {f"{a['msg_data_id']}_1": a["news_item"][0]["title"] for a in self.articles.values()}
        rows = []
        for (msgid, ref_date), count in sorted(self.reads.items()):
            if ref_date != begin:
                continue
            rows.append({"ref_date": ref_date, "msgid": msgid, "title": titles.get(msgid, ""), "user_source": 0,
                         "int_page_read_user": max(1, count * 4 // 5) if count else 0,
                         "int_page_read_count": count, "ori_page_read_user": 0, "ori_page_read_count": 0,
                         "share_user": 0, "share_count": 0, "add_to_fav_user": 0, "add_to_fav_count": 0})
        return {"list": rows}
