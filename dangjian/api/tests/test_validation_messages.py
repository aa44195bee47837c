"""API validation messages are whole in the request's language (issue 13 §5): pydantic's English
("Field required") never reaches a client, the field is named."""

from __future__ import annotations

import re

import pytest

OPINION = {"kind": "suggestion", "title": "路灯不亮", "body": "村口路灯坏了一周。", "phone": "13812345678"}


def latin_words(message: str, field: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", message.replace(field, ""))


CASES = [  # (request, field, Chinese message, English message)
    (("post", "/api/v1/opinions", {k: v for k, v in OPINION.items() if k != "title"}), "title",
     "“title”为必填项。", "“title” is required."),
    (("post", "/api/v1/opinions", {**OPINION, "title": "长" * 1001}), "title",
     "“title”最多 1000 个字符。", "“title” must be at most 1000 characters long."),
    (("post", "/api/v1/opinions", {**OPINION, "place": "abc"}), "place",
     "“place”必须是整数。", "“place” must be a whole number."),
    (("post", "/api/v1/opinions", {**OPINION, "secret": 1}), "secret",
     "“secret”不是此请求的字段。", "“secret” is not a field of this request."),
]


def call(client, method, url, body, lang):
    url = f"{url}?lang={lang}"
    if method == "post":
        return client.post(url, body, content_type="application/json")
    return client.get(url)


@pytest.mark.parametrize(("request_", "field", "zh", "en"), CASES)
def test_messages_in_chinese_by_default(client, db, request_, field, zh, en):
    method, url, body = request_
    response = call(client, method, url, body, "zh-hans")
    assert response.status_code == 422
    data = response.json()
    assert data["field"] == field and data["message"] == zh
    assert latin_words(data["message"], field) == []


@pytest.mark.parametrize(("request_", "field", "zh", "en"), CASES)
def test_messages_in_english_when_asked(client, db, request_, field, zh, en):
    method, url, body = request_
    response = call(client, method, url, body, "en")
    assert response.status_code == 422
    assert response.json()["field"] == field and response.json()["message"] == en


def test_path_limits_are_translated(client, users):
    client.force_login(users.admin)
    data = client.get("/api/v1/members/0").json()
    assert data["field"] == "member_id" and data["message"] == "“member_id”不能小于 1。"
    data = client.get("/api/v1/members/0?lang=en").json()
    assert data["message"] == "“member_id” must be at least 1."


def test_invalid_json_body_is_translated(client, db):
    response = client.post("/api/v1/opinions", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["message"] == "请求正文不是有效的 JSON。"
    response = client.post("/api/v1/opinions?lang=en", "{not json", content_type="application/json")
    assert response.json()["message"] == "The request body is not valid JSON."
