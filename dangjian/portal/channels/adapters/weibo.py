"""Weibo (微博) through its open API with an OAuth2 access token: ``2/statuses/share.json`` shares
the article's link (with the cover as ``pic``), ``2/statuses/destroy.json`` deletes it. A status
cannot be edited, so an edit after publishing shares the new version and deletes the old one.
Base URL: ``settings.CHANNELS_WEIBO_API_BASE``. Weibo tokens are not refreshed by the API (the
account owner authorizes again): token errors give up at once with a clear message."""

from __future__ import annotations

import math
from typing import Any

import requests

from dangjian.portal.channels import ChannelKind, conf
from dangjian.portal.channels.adapters import ChannelError, PermanentChannelError, Result
from dangjian.portal.channels.adapters.content import ArticleContent, rendition_bytes

SHARE = "/2/statuses/share.json"
DESTROY = "/2/statuses/destroy.json"
TOKEN_ERRORS = {21301, 21314, 21315, 21316, 21317, 21319, 21327, 21332}
PERMANENT = TOKEN_ERRORS | {10005, 10006, 10008, 10014, 10016, 10017, 10018, 20006, 20012, 20019}
NOT_FOUND = {20101}
MAX_LENGTH = 140


def weibo_length(text: str) -> int:
    return math.ceil(sum(0.5 if ord(ch) < 128 else 1 for ch in text))


def status_text(article: ArticleContent) -> str:
    """【title】summary … URL, cut so it fits Weibo's 140 characters."""
    tail = " " + article.url
    head = f"【{article.title}】"
    summary = (article.summary or article.plain_text()).replace("#", "").replace("\n", " ").strip()
    text = head + summary
    while text and weibo_length(text + "…" + tail) > MAX_LENGTH:
        text = text[:-1]
    if text != head + summary:
        text += "…"
    return text.replace("#", "") + tail


class WeiboAdapter:
    kind = ChannelKind.WEIBO
    can_update = False

    def __init__(self, creds: dict[str, Any]) -> None:
        if not creds.get("access_token"):
            raise PermanentChannelError("Weibo account needs access_token in CHANNELS_ACCOUNTS")
        self.token = creds["access_token"]
        self.rip = creds.get("rip") or "127.0.0.1"
        self.base_url = (creds.get("api_base") or conf.weibo_api_base()).rstrip("/")
        self.session = requests.Session()

    def _post(self, path: str, data: dict[str, str], files: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self.session.post(self.base_url + path, data={"access_token": self.token, **data},
                                         files=files, timeout=conf.timeout())
        except requests.RequestException as e:
            raise ChannelError(f"Weibo {path}: {type(e).__name__}: {e}") from e
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 400 or "error_code" in answer:
            code = int(answer.get("error_code") or 0)
            message = f"Weibo {path}: HTTP {response.status_code}, error_code {code}: {answer.get('error', '')}"
            if code in TOKEN_ERRORS:
                message += " — the account's access token must be authorized again"
            cls = PermanentChannelError if code in PERMANENT else ChannelError
            raise cls(message, code=code)
        return dict(answer)

    def publish(self, article: ArticleContent, progress: dict[str, Any]) -> Result:
        files = None
        cover = article.first_image()
        if cover is not None:
            data, filename, _digest = rendition_bytes(cover)
            files = {"pic": (filename, data, "image/jpeg")}
        answer = self._post(SHARE, {"status": status_text(article), "rip": self.rip}, files)
        sid = str(answer.get("idstr") or answer["id"])
        return Result(remote_id=sid, remote_url=f"https://weibo.com/detail/{sid}")

    def update(self, article: ArticleContent, post: Any, progress: dict[str, Any]) -> Result:
        new = progress.get("new_status")
        if new is None:
            result = self.publish(article, progress)
            progress["new_status"] = new = {"id": result.remote_id, "url": result.remote_url}
        if post.remote_id and post.remote_id != new["id"] and not progress.get("old_deleted"):
            self._destroy(post.remote_id)
            progress["old_deleted"] = True
        return Result(remote_id=new["id"], remote_url=new["url"])

    def _destroy(self, sid: str) -> None:
        try:
            self._post(DESTROY, {"id": sid})
        except ChannelError as e:
            if e.code not in NOT_FOUND:
                raise

    def withdraw(self, post: Any, progress: dict[str, Any]) -> Result:
        if post.remote_id:
            self._destroy(post.remote_id)
        return Result()
