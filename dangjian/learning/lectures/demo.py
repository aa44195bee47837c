"""Demo data: one finished live lecture of the demo county (text posts, a member's question, the
lecturer's pinned answer), to be replayed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from dangjian.learning.lectures.models import Lecture


def seed_lectures(ctx: Any) -> None:
    from dangjian.learning.lectures.actions import (
        do_answer_question,
        do_ask_question,
        do_create_lecture,
        do_finish_lecture,
        do_post_message,
        do_start_lecture,
    )

    admin, member = ctx.users.get("demo-admin"), ctx.users.get("demo-member")
    if admin is None or ctx.root is None or Lecture.objects.filter(org_path=ctx.root.path).exists():
        return
    lecture = do_create_lecture(ctx.root, {
        "title": "微党课：学习新修订的《中国共产党纪律处分条例》", "lecturer": admin.username,
        "description": "县委组织部微信党课，课后可回看。", "starts_at": timezone.now() - dt.timedelta(days=2)},
        acting_user=admin)
    do_start_lecture(lecture, acting_user=admin)
    for text in ("同志们好，今天我们一起学习新修订的《纪律处分条例》。",
                 "一、修订的背景：坚持问题导向，把党的自我革命制度规范体系落到实处。",
                 "二、主要内容：政治纪律、组织纪律、廉洁纪律、群众纪律、工作纪律、生活纪律。"):
        do_post_message(lecture, text=text, acting_user=admin)
    if member is not None:
        question = do_ask_question(lecture, "农村党员在村务工作中要特别注意哪些纪律？", acting_user=member)
        do_answer_question(question, "重点是群众纪律和廉洁纪律：村务公开、惠民资金的使用，都要按规矩办。", pin=True,
                           acting_user=admin)
    do_post_message(lecture, text="今天就学到这里，大家可以随时回看本次党课。", acting_user=admin)
    do_finish_lecture(lecture, acting_user=admin)
