"""The adapters' HTTP clients against the stand-ins, call by call: what the real servers check
(token validity and expiry, required fields, media ids) is refused the way they refuse it."""

from __future__ import annotations

import io
import json

import pytest
import requests
from django.core.cache import cache
from PIL import Image

from dangjian.portal.channels.adapters import ChannelError, PermanentChannelError
from dangjian.portal.channels.adapters.wechat import WeChatClient
from dangjian.portal.channels.adapters.weibo import status_text, weibo_length
from dangjian.portal.channels.simulators.weibo import DESTROY, SHARE


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 200)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def client(wechat):
    return WeChatClient(wechat.app_id, wechat.app_secret, base_url=wechat.base_url)


def article(thumb: str, **extra) -> dict:
    return {"title": "标题", "content": "<p>正文</p>", "thumb_media_id": thumb, **extra}


def test_token_is_fetched_once_and_cached(client, wechat):
    assert client.access_token() == client.access_token()
    assert wechat.token_requests == 1


def test_wrong_secret_is_permanent(wechat):
    bad = WeChatClient(wechat.app_id, "wrong", base_url=wechat.base_url)
    with pytest.raises(PermanentChannelError) as exc:
        bad.access_token()
    assert exc.value.code == 40125


def test_raw_calls_without_or_with_a_bad_token_are_refused(wechat):
    url = wechat.base_url + "/cgi-bin/draft/add"
    assert requests.post(url, json={}, timeout=5).json()["errcode"] == 41001
    assert requests.post(url + "?access_token=forged", json={}, timeout=5).json()["errcode"] == 40001


def test_draft_needs_a_known_permanent_image_as_thumb(client):
    with pytest.raises(ChannelError) as exc:  # transient for us: the adapter uploads the cover again
        client.draft_add([article("MEDIA_unknown")])
    assert exc.value.code == 40007
    media = client.add_material_image(png(), "c.png")
    assert client.draft_add([article(media["media_id"])]).startswith("DRAFT_")


@pytest.mark.parametrize(("field", "value", "code"), [
    ("title", "", 44003), ("title", "长" * 65, 45003), ("content", "", 44004),
    ("author", "作" * 17, 45110), ("digest", "摘" * 129, 45004),
    ("content", '<p><img src="http://example.com/x.png"></p>', 45166),
])
def test_draft_fields_are_checked(client, field, value, code):
    media = client.add_material_image(png(), "c.png")
    with pytest.raises(PermanentChannelError) as exc:
        client.draft_add([article(media["media_id"], **{field: value})])
    assert exc.value.code == code


def test_uploadimg_accepts_only_images_and_its_urls_may_be_used(client):
    with pytest.raises(PermanentChannelError) as exc:
        client.upload_image(b"not an image", "x.png")
    assert exc.value.code == 40005
    url = client.upload_image(png(), "x.png")
    media = client.add_material_image(png(), "c.png")
    draft = client.draft_add([article(media["media_id"], content=f'<p><img src="{url}"></p>')])
    publish_id, msg_data_id = client.publish_submit(draft)
    assert msg_data_id
    status = client.publish_get(publish_id)
    assert status["publish_status"] == 0 and status["article_detail"]["item"][0]["article_url"]
    client.publish_delete(status["article_id"])
    with pytest.raises(ChannelError) as exc:
        client.publish_delete(status["article_id"])
    assert exc.value.code == 53600


def test_chinese_is_sent_as_utf8_not_escaped(client, wechat):
    media = client.add_material_image(png(), "c.png")
    draft = client.draft_add([article(media["media_id"], title="党建引领")])
    assert wechat.drafts[draft]["news_item"][0]["title"] == "党建引领"


def test_system_busy_is_transient(client, wechat):
    wechat.fail("/cgi-bin/media/uploadimg", -1)
    with pytest.raises(ChannelError) as exc:
        client.upload_image(png(), "x.png")
    assert not isinstance(exc.value, PermanentChannelError) and exc.value.code == -1


def test_weibo_share_checks(weibo):
    url = weibo.base_url + SHARE
    base = {"access_token": weibo.access_token, "rip": "203.0.113.5"}
    ok = requests.post(url, data={**base, "status": "新闻 http://testserver/portal/a/"}, timeout=5)
    assert ok.status_code == 200 and ok.json()["idstr"]
    cases = [
        ({"access_token": "bad", "status": "x http://testserver/"}, 403, 21332),
        ({**base, "status": ""}, 400, 10016),
        ({**base, "status": "没有链接"}, 400, 10017),
        ({**base, "status": "外站 http://example.com/"}, 400, 10017),
        ({**base, "status": "长" * 141 + " http://testserver/"}, 400, 20012),
        ({**base, "status": "新闻 http://testserver/portal/a/"}, 400, 20019),
    ]
    for data, http_status, code in cases:
        answer = requests.post(url, data=data, timeout=5)
        assert (answer.status_code, answer.json()["error_code"]) == (http_status, code), data
    destroy = requests.post(weibo.base_url + DESTROY, data={"access_token": weibo.access_token, "id": "1"}, timeout=5)
    assert json.loads(destroy.content)["error_code"] == 20101


def test_weibo_text_fits_140():
    from dangjian.portal.channels.adapters.content import ArticleContent

    a = ArticleContent(page_id=1, revision_id=1, title="标题", summary="很长的摘要" * 60, author="",
                       url="http://testserver/portal/x/", date=None, section="", cover=None)
    text = status_text(a)
    assert weibo_length(text) <= 140 and text.endswith(" http://testserver/portal/x/") and "…" in text
