"""Shared test data for the opinion tests."""

from __future__ import annotations

from typing import Any

PHONE = "13912345678"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" \
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def opinion_data(**extra: Any) -> dict[str, Any]:
    data = {
        "kind": "suggestion",
        "title": "路灯坏了",
        "body": "甲镇一村村口的路灯坏了三天了，晚上很黑。",
        "name": "张三丰",
        "phone": PHONE,
        "is_public": True,
    }
    data.update(extra)
    return data
