"""Pinyin for member search: full pinyin and initials (e.g. 张三丰 → zhangsanfeng, zsf)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def full_pinyin(name: str) -> str:
    return "".join(lazy_pinyin(name)).lower().replace(" ", "")[:200]


def initials(name: str) -> str:
    return "".join(p[:1] for p in lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()[:32]
