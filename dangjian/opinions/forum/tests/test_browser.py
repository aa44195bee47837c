from __future__ import annotations

from typing import Any

import pytest

from dangjian.opinions.forum.actions import do_create_board, do_moderate_thread
from dangjian.opinions.forum.models import Reply, Thread
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_user_on_phone_posts_thread_and_reply(phone_page: Any, live_server: Any, users: Any) -> None:
    board = do_create_board({"name": "建言献策"}, acting_user=users.admin)
    page = phone_page
    login(page, live_server.url, users.public.username, PASSWORD)
    page.goto(f"{live_server.url}/forum/")
    page.click(f"a[href='/forum/b/{board.pk}/']")
    page.click(f"a[href='/forum/b/{board.pk}/new/']")
    page.fill("input[name=title]", "建议增设便民服务点")
    page.fill("textarea[name=body]", "希望在甲镇一村增设一个便民服务点，方便老人办事。")
    page.click("#post-thread")
    page.wait_for_selector("#thread-body")
    thread = Thread.objects.get()
    assert "建议增设便民服务点" in page.inner_text("h1")
    page.fill("textarea[name=body]", "@member-alice 大家觉得呢？")
    page.click("#post-reply")
    page.wait_for_selector(".forum-post >> text=大家觉得呢")
    assert Reply.objects.filter(thread=thread).count() == 1

    do_moderate_thread(thread, "lock", acting_user=users.admin)
    page.reload()
    assert page.is_visible("#locked-note") and not page.is_visible("#post-reply")
