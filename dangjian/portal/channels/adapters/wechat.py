"""WeChat official account (微信公众号) over its HTTP API with ``requests`` (wechatpy is not a
dependency of this project). Base URL: ``settings.CHANNELS_WECHAT_API_BASE``.

Publishing an article: the cover goes up as permanent material (``material/add_material``,
its ``media_id`` is the ``thumb_media_id``), images inside the text through ``media/uploadimg``
(their URLs replace ours in ``content``), then ``draft/add`` and ``freepublish/submit``; the
publish is asynchronous, so ``freepublish/get`` is asked until ``publish_status`` is 0 (success,
with ``article_id`` and the article URL) — while it is 1 (publishing) the attempt fails softly and
the outbox asks again after the back-off. A published WeChat article cannot be edited through the
API, so an edit after publishing publishes the new revision and then deletes the old article
(``freepublish/delete``); a withdrawal deletes it. Uploaded images are remembered per account
(``MediaAsset``) and reused.

The access token (``cgi-bin/token``, 7,200 s) is kept in the Django cache shared by every process
and refreshed 5 minutes early; a call answered 40001/40014 (invalid) or 42001 (expired) drops it,
fetches a new one and repeats the call once.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

import requests
from django.core.cache import cache

from dangjian.portal.channels import ChannelKind, conf
from dangjian.portal.channels.adapters import ChannelError, PermanentChannelError, Result
from dangjian.portal.channels.adapters.content import ArticleContent, rendition_bytes

TOKEN_ERRORS = {40001, 40014, 42001}
#: Errors a retry cannot fix: credentials, IP whitelist, content the API refuses.
PERMANENT = {40002, 40004, 40005, 40013, 40125, 40164, 41001, 44002, 44003, 44004, 45002, 45003, 45004,
             45110, 45166, 47001, 48001, 50001, 50002, 53503, 53504, 53505, 61500, 61501}
PUBLISH_STATUS = {
    2: "original-content check failed (原创失败)",
    3: "publish failed (常规失败)",
    4: "refused by the platform's review (平台审核不通过)",
    5: "deleted by the account after publishing (成功后用户删除所有文章)",
    6: "banned by the platform after publishing (成功后系统封禁所有文章)",
}


class WeChatAPIError(ChannelError):
    pass


class WeChatClient:
    def __init__(self, app_id: str, app_secret: str, *, base_url: str | None = None,
                 timeout: float | None = None, session: requests.Session | None = None) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.base_url = (base_url or conf.wechat_api_base()).rstrip("/")
        self.timeout = timeout or conf.timeout()
        self.session = session or requests.Session()

    # --- access token --------------------------------------------------------------------
    @property
    def _token_key(self) -> str:
        return f"channels:wechat:token:{self.app_id}"

    def access_token(self, *, refresh: bool = False) -> str:
        token = None if refresh else cache.get(self._token_key)
        if token:
            return str(token)
        data = self._request("GET", "/cgi-bin/token", params={
            "grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret})
        if data.get("errcode"):
            raise self._error(data, "/cgi-bin/token")
        token = str(data["access_token"])
        ttl = int(data.get("expires_in") or 7200)
        cache.set(self._token_key, token, max(60, ttl - 300))
        return token

    def forget_token(self) -> None:
        cache.delete(self._token_key)

    # --- calls ---------------------------------------------------------------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as e:
            raise ChannelError(f"WeChat {path}: {type(e).__name__}: {e}") from e
        if response.status_code >= 400:
            raise ChannelError(f"WeChat {path}: HTTP {response.status_code}", code=response.status_code)
        try:
            data = json.loads(response.content.decode("utf-8"))
        except ValueError as e:
            raise ChannelError(f"WeChat {path}: answer is not JSON") from e
        if not isinstance(data, dict):
            raise ChannelError(f"WeChat {path}: unexpected answer")
        return data

    def _error(self, data: dict[str, Any], path: str) -> ChannelError:
        code = int(data.get("errcode") or 0)
        message = f"WeChat {path}: errcode {code}: {data.get('errmsg', '')}"
        cls = PermanentChannelError if code in PERMANENT else WeChatAPIError
        return cls(message, code=code)

    def call(self, path: str, *, payload: dict[str, Any] | None = None, params: dict[str, str] | None = None,
             files: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST ``path`` with the access token; refresh the token once on 40001/40014/42001."""
        for attempt in (1, 2):
            query = {"access_token": self.access_token(refresh=attempt == 2), **(params or {})}
            if files is not None:
                data = self._request("POST", path, params=query, files=files)
            else:  # UTF-8 as is: the API shows \uXXXX escapes literally in articles
                body = json.dumps(payload or {}, ensure_ascii=False).encode("utf-8")
                data = self._request("POST", path, params=query, data=body,
                                     headers={"Content-Type": "application/json; charset=utf-8"})
            code = int(data.get("errcode") or 0)
            if code in TOKEN_ERRORS and attempt == 1:
                self.forget_token()
                continue
            if code:
                raise self._error(data, path)
            return data
        raise AssertionError("unreachable")

    def add_material_image(self, data: bytes, filename: str) -> dict[str, Any]:
        return self.call("/cgi-bin/material/add_material", params={"type": "image"},
                         files={"media": (filename, data, "image/jpeg")})

    def upload_image(self, data: bytes, filename: str) -> str:
        return str(self.call("/cgi-bin/media/uploadimg", files={"media": (filename, data, "image/jpeg")})["url"])

    def draft_add(self, articles: list[dict[str, Any]]) -> str:
        return str(self.call("/cgi-bin/draft/add", payload={"articles": articles})["media_id"])

    def draft_delete(self, media_id: str) -> None:
        self.call("/cgi-bin/draft/delete", payload={"media_id": media_id})

    def publish_submit(self, media_id: str) -> tuple[str, str]:
        """``(publish_id, msg_data_id)``: the publish job, and the message id WeChat's statistics
        (datacube) report the article under (``msgid`` = ``<msg_data_id>_<index>``)."""
        data = self.call("/cgi-bin/freepublish/submit", payload={"media_id": media_id})
        return str(data["publish_id"]), str(data.get("msg_data_id") or "")

    def publish_get(self, publish_id: str) -> dict[str, Any]:
        return self.call("/cgi-bin/freepublish/get", payload={"publish_id": publish_id})

    def publish_delete(self, article_id: str, index: int = 0) -> None:
        self.call("/cgi-bin/freepublish/delete", payload={"article_id": article_id, "index": index})

    def article_summary(self, day: dt.date) -> list[dict[str, Any]]:
        """图文群发每日数据: every article read on ``day`` with that day's counts —
        ``POST /datacube/getarticlesummary`` ``{"begin_date", "end_date"}`` (YYYY-MM-DD, at most one
        day, at most yesterday) → ``{"list": [{"ref_date", "msgid", "title", "int_page_read_user",
        "int_page_read_count", "ori_page_read_user", "ori_page_read_count", "share_user",
        "share_count", "add_to_fav_user", "add_to_fav_count"}]}``. 61500: date format error,
        61501: date range error."""
        when = day.isoformat()
        data = self.call("/datacube/getarticlesummary", payload={"begin_date": when, "end_date": when})
        rows = data.get("list")
        return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


class WeChatAdapter:
    kind = ChannelKind.WECHAT
    can_update = False  # published articles cannot be edited through the API: re-publish

    def __init__(self, creds: dict[str, Any], account_name: str = "default") -> None:
        if not creds.get("app_id") or not creds.get("app_secret"):
            raise PermanentChannelError("WeChat account needs app_id and app_secret in CHANNELS_ACCOUNTS")
        self.account = account_name
        self.client = WeChatClient(creds["app_id"], creds["app_secret"], base_url=creds.get("api_base"))

    # --- media ---------------------------------------------------------------------------
    def _media(self, image: Any, kind: str) -> tuple[str, str]:
        from dangjian.portal.channels.models import MediaAsset

        data, filename, digest = rendition_bytes(image)
        found = MediaAsset.objects.filter(channel=self.kind, account=self.account, kind=kind, image=image,
                                          file_hash=digest).first()
        if found is not None:
            return found.media_id, found.url
        if kind == "material":
            answer = self.client.add_material_image(data, filename)
            media_id, url = str(answer["media_id"]), str(answer.get("url") or "")
        else:
            media_id, url = "", self.client.upload_image(data, filename)
        MediaAsset.objects.get_or_create(channel=self.kind, account=self.account, kind=kind, image=image,
                                         file_hash=digest, defaults={"media_id": media_id, "url": url})
        return media_id, url

    def forget_media(self, media_id: str) -> None:
        from dangjian.portal.channels.models import MediaAsset

        MediaAsset.objects.filter(channel=self.kind, account=self.account, media_id=media_id).delete()

    def _news_item(self, article: ArticleContent) -> dict[str, Any]:
        cover = article.first_image()
        if cover is None:
            raise PermanentChannelError("WeChat needs a cover image (thumb_media_id): give the article a cover "
                                        "image or an image in the text")
        thumb_media_id, _url = self._media(cover, "material")
        content = article.render_html(lambda image: self._media(image, "inline")[1])
        if not content.strip():  # an article with a summary only: WeChat needs a text
            content = f"<p>{html.escape(article.summary or article.title)}</p>"
        return {
            "article_type": "news",
            "title": article.title[:64],
            "author": article.author[:16],
            "digest": (article.summary or article.plain_text())[:120],
            "content": content,
            "content_source_url": article.url,
            "thumb_media_id": thumb_media_id,
            "need_open_comment": 0,
            "only_fans_can_comment": 0,
        }

    # --- operations ----------------------------------------------------------------------
    def _cleanup(self, progress: dict[str, Any]) -> None:
        """Remove what superseded deliveries left half-made: an unsent draft, or an article whose
        publish was still in progress (deleted once WeChat has published it)."""
        for item in list(progress.get("leftovers") or []):
            if item.get("publish_id"):
                status = self.client.publish_get(item["publish_id"])
                code = int(status.get("publish_status", -1))
                if code == 1:
                    raise ChannelError("WeChat: an older version is still being published; asking again later",
                                       code="publishing")
                if code == 0 and status.get("article_id"):
                    self._delete(str(status["article_id"]))
                    progress["leftovers"].remove(item)
                    continue
            try:
                self.client.draft_delete(item["draft_media_id"])
            except ChannelError as e:
                if e.code != 40007:  # already gone
                    raise
            progress["leftovers"].remove(item)

    def publish(self, article: ArticleContent, progress: dict[str, Any]) -> Result:
        self._cleanup(progress)
        if not progress.get("draft_media_id"):
            item = self._news_item(article)
            try:
                progress["draft_media_id"] = self.client.draft_add([item])
            except ChannelError as e:
                if e.code == 40007:  # our remembered material is gone on WeChat's side: upload it again
                    self.forget_media(item["thumb_media_id"])
                raise
        if not progress.get("publish_id"):
            progress["publish_id"], progress["msg_data_id"] = self.client.publish_submit(progress["draft_media_id"])
        status = self.client.publish_get(progress["publish_id"])
        code = int(status.get("publish_status", -1))
        if code == 1:
            raise ChannelError("WeChat: still publishing (publish_status 1); asking again later", code="publishing")
        if code != 0:
            reason = PUBLISH_STATUS.get(code, f"publish_status {code}")
            progress.pop("publish_id", None)  # a new submit is needed (the draft stays in the draft box)
            progress.pop("msg_data_id", None)
            raise PermanentChannelError(f"WeChat freepublish/get: {reason}", code=code)
        items = (status.get("article_detail") or {}).get("item") or [{}]
        return Result(remote_id=str(status["article_id"]), remote_url=str(items[0].get("article_url") or ""),
                      data={"publish_id": progress["publish_id"], "msg_data_id": progress.get("msg_data_id", "")})

    def update(self, article: ArticleContent, post: Any, progress: dict[str, Any]) -> Result:
        self._cleanup(progress)
        result = progress.get("new_article")
        if result is None:
            new = self.publish(article, progress)
            progress["new_article"] = result = {"id": new.remote_id, "url": new.remote_url, "data": new.data}
        if post.remote_id and post.remote_id != result["id"] and not progress.get("old_deleted"):
            self._delete(post.remote_id)
            progress["old_deleted"] = True
        return Result(remote_id=result["id"], remote_url=result["url"], data=result["data"])

    def _delete(self, article_id: str) -> None:
        try:
            self.client.publish_delete(article_id)
        except ChannelError as e:
            if e.code != 53600:  # already deleted (by us in an earlier attempt, or by hand)
                raise

    def withdraw(self, post: Any, progress: dict[str, Any]) -> Result:
        self._cleanup(progress)
        if post.remote_id:
            self._delete(post.remote_id)
        return Result()
