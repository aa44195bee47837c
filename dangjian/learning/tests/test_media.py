"""Lesson media over HTTP byte ranges, only to those who may learn the lesson."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from dangjian.learning.media import parse_range
from dangjian.learning.tests.conftest import ready_media

DATA = bytes(range(256)) * 4  # 1024 bytes


@pytest.fixture
def media(school: Any, users: Any) -> Any:
    relative = f"learning/media/{school.video.pk}/t/small.mp4"
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(DATA)
    ready_media(school.video, 600, video_small=relative)
    c = Client()
    c.force_login(users.member)
    return c, f"/learning/m/{school.video.pk}/small/"


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(("header", "status", "content_range", "first", "last"), [
    ("bytes=0-1", 206, "bytes 0-1/1024", 0, 1),  # Safari's probe
    ("bytes=100-199", 206, "bytes 100-199/1024", 100, 199),
    ("bytes=1000-", 206, "bytes 1000-1023/1024", 1000, 1023),  # open range
    ("bytes=-24", 206, "bytes 1000-1023/1024", 1000, 1023),  # suffix range
    ("bytes=-5000", 206, "bytes 0-1023/1024", 0, 1023),  # suffix longer than the file
    ("bytes=1000-5000", 206, "bytes 1000-1023/1024", 1000, 1023),  # end past the file
    ("bytes=1023-1023", 206, "bytes 1023-1023/1024", 1023, 1023),
])
def test_ranges(media: Any, header: str, status: int, content_range: str, first: int, last: int) -> None:
    c, url = media
    r = c.get(url, HTTP_RANGE=header)
    assert r.status_code == status
    assert r["Content-Range"] == content_range and r["Accept-Ranges"] == "bytes"
    assert r["Content-Length"] == str(last - first + 1)
    assert body(r) == DATA[first:last + 1]
    assert r["Content-Type"] == "video/mp4"


@pytest.mark.parametrize("header", ["bytes=1024-", "bytes=5000-6000", "bytes=-0"])
def test_out_of_range_is_416(media: Any, header: str) -> None:
    c, url = media
    r = c.get(url, HTTP_RANGE=header)
    assert r.status_code == 416 and r["Content-Range"] == "bytes */1024"


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "bytes=5-2", "items=0-1", "bytes=abc", "bytes=-"])
def test_several_or_malformed_ranges_get_the_whole_file(media: Any, header: str) -> None:
    c, url = media
    r = c.get(url, HTTP_RANGE=header)
    assert r.status_code == 200 and r["Content-Length"] == "1024" and body(r) == DATA


def test_no_range_and_if_range(media: Any) -> None:
    c, url = media
    r = c.get(url)
    assert r.status_code == 200 and r["Accept-Ranges"] == "bytes" and body(r) == DATA
    assert "no-store" in r["Cache-Control"] and r["X-Content-Type-Options"] == "nosniff"
    assert c.get(url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE=r["ETag"]).status_code == 206
    assert c.get(url, HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE='"stale"').status_code == 200
    head = c.head(url, HTTP_RANGE="bytes=0-9")
    assert head.status_code == 206 and head["Content-Length"] == "10"


def test_only_learners_of_the_lesson_get_the_media(media: Any, users: Any, school: Any) -> None:
    _c, url = media
    outsider = Client()
    outsider.force_login(users.public)  # signed in, but the course is not public
    assert outsider.get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page
    editor = Client()
    editor.force_login(users.admin)
    assert editor.get(url, HTTP_RANGE="bytes=0-1").status_code == 206
    assert _c.get(f"/learning/m/{school.video.pk}/large/").status_code == 404  # not made
    assert _c.get(f"/learning/m/{school.video.pk}/..%2F..%2Fsettings/").status_code == 404


def test_production_hands_the_file_to_nginx(media: Any, settings: Any, school: Any) -> None:
    settings.LEARNING_MEDIA_ACCEL_PREFIX = "/_protected_media/"
    c, url = media
    r = c.get(url, HTTP_RANGE="bytes=0-1")
    assert r.status_code == 200 and r.content == b""
    assert r["X-Accel-Redirect"] == f"/_protected_media/learning/media/{school.video.pk}/t/small.mp4"


def test_parse_range_on_an_empty_file() -> None:
    assert parse_range("bytes=0-1", 0) is False
    assert parse_range("bytes=-1", 0) is False
