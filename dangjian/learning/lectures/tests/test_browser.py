"""Two browsers at 360×640: the lecturer posts while a member follows the room; the member sees
the post without reloading, asks a question, and sees the lecturer's answer and the pin."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.learning.lectures.actions import do_start_lecture
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 640}


def test_member_follows_while_the_lecturer_posts(live_server: Any, chromium: Any, settings: Any, tree: Any,
                                                 users: Any, lecture: Any, lecturer: Any) -> None:
    settings.LECTURES_POLL_SECONDS = 1
    do_start_lecture(lecture, acting_user=lecturer)
    contexts = [chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
                for _ in range(2)]
    problems: list[str] = []
    try:
        teacher, member = (c.new_page() for c in contexts)
        for page in (teacher, member):
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
        login(teacher, live_server.url, lecturer.username, PASSWORD)
        login(member, live_server.url, users.member.username, PASSWORD)
        room = f"{live_server.url}/learning/lectures/{lecture.pk}/"
        teacher.goto(room)
        member.goto(room)
        member.wait_for_selector("#ask-form")
        teacher.fill("#post-text", "同志们好，今天学习党章。")
        teacher.click("#post-send")
        teacher.wait_for_selector("#lecture-room .msg-text:has-text('今天学习党章')")
        # the member's page, not reloaded, shows it within a poll or two
        member.wait_for_selector("#lecture-room .msg-text:has-text('今天学习党章')")
        member.fill("#ask-text", "请问入党誓词有几句？")
        member.click("#ask-send")
        member.wait_for_selector("#lecture-room .msg-question")
        teacher.reload()
        question = teacher.locator("#lecture-room .msg-question").first
        question.locator("input[name=text]").fill("入党誓词共八十字。")
        question.locator("input[name=pin]").check()
        question.locator("button:has-text('解答')").click()
        teacher.wait_for_selector("#lecture-room .msg-answer")
        member.wait_for_selector("#lecture-room .msg-answer .msg-text:has-text('八十字')")
        member.wait_for_selector("#pinned:not([hidden]) li:has-text('入党誓词有几句')")
        assert member.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        assert problems == []
    finally:
        for c in contexts:
            c.close()
