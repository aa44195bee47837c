from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dangjian.opinions.forum.actions import (
    do_create_reply,
    do_create_thread,
    do_moderate_thread,
    do_report_post,
)
from dangjian.opinions.forum.models import Reply, Report, Thread
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

GOOD = {"title": "主题党日怎么办", "body": "请大家分享一下支部主题党日的做法。"}


def login(client: Any, user: Any) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_boards_and_board_pages(client: Any, users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.admin)
    resp = client.get(reverse("forum:boards"))
    assert resp.status_code == 200 and board.name in resp.content.decode()
    html = client.get(reverse("forum:board", args=[board.pk])).content.decode()
    assert t.title in html and "badge-official" in html  # county admin posts as an official account


def test_member_author_not_official(client: Any, users: Any, board: Any) -> None:
    do_create_thread(board, GOOD, acting_user=users.member)
    html = client.get(reverse("forum:board", args=[board.pk])).content.decode()
    assert users.member.display_name in html and "badge-official" not in html


def test_board_list_paginated_bounded_queries(client: Any, users: Any, board: Any, settings: Any,
                                              django_assert_max_num_queries: Any) -> None:
    settings.DANGJIAN = {**settings.DANGJIAN, "FORUM": {**settings.DANGJIAN["FORUM"], "POST_RATE": "off"}}
    authors = [users.member, users.public, users.admin, users.secretary]
    for i in range(25):
        do_create_thread(board, {"title": f"帖子标题{i:02d}", "body": "一段足够长的正文内容。"}, acting_user=authors[i % 4])
    login(client, users.member)
    client.get(reverse("forum:board", args=[board.pk]))  # warm session
    with django_assert_max_num_queries(12):
        resp = client.get(reverse("forum:board", args=[board.pk]))
    html = resp.content.decode()
    assert html.count('class="card"') == 20 and "帖子标题24" in html and "帖子标题04" not in html
    with django_assert_max_num_queries(12):
        html2 = client.get(reverse("forum:board", args=[board.pk]) + "?page=2").content.decode()
    assert "帖子标题04" in html2


def test_new_thread_form_and_held_note(client: Any, users: Any, board: Any) -> None:
    url = reverse("forum:new_thread", args=[board.pk])
    assert client.get(url).status_code == 302  # sign in first
    login(client, users.public)
    resp = client.post(url, {"title": "短", "body": "正文足够长的一段内容。"})
    assert resp.status_code == 200 and "4" in resp.content.decode() and Thread.objects.count() == 0
    resp = client.post(url, {"title": "这里有人赌博", "body": "正文足够长的一段内容。"}, follow=True)
    t = Thread.objects.get()
    assert t.is_hidden and "审核" in resp.content.decode()


def test_hidden_posts_visibility(client: Any, users: Any, board: Any) -> None:
    held = do_create_thread(board, {"title": "这里有人赌博", "body": "正文足够长的一段内容。"}, acting_user=users.member)
    ok = do_create_thread(board, GOOD, acting_user=users.member)
    hidden_reply = do_create_reply(ok, {"body": "badword 回复"}, acting_user=users.member)
    url = reverse("forum:thread", args=[held.pk])
    assert client.get(url).status_code == 404  # anonymous
    login(client, users.public)
    assert client.get(url).status_code == 404
    assert held.title not in client.get(reverse("forum:board", args=[board.pk])).content.decode()
    assert hidden_reply.body not in client.get(reverse("forum:thread", args=[ok.pk])).content.decode()
    login(client, users.member)
    resp = client.get(url)
    assert resp.status_code == 200 and "仅作者和版主可见" in resp.content.decode()
    assert hidden_reply.body in client.get(reverse("forum:thread", args=[ok.pk])).content.decode()
    login(client, users.publicity)
    assert client.get(url).status_code == 200


def test_reply_and_locked_thread(client: Any, users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    url = reverse("forum:thread", args=[t.pk])
    login(client, users.public)
    resp = client.post(url, {"body": "我来回复一下"}, follow=True)
    assert "我来回复一下" in resp.content.decode()
    do_moderate_thread(t, "lock", acting_user=users.admin)
    html = client.get(url).content.decode()
    assert 'id="locked-note"' in html and 'name="body"' not in html
    resp = client.post(url, {"body": "锁了还回复"})
    assert resp.status_code == 400 and "该主题已锁定" in resp.content.decode()
    assert Reply.objects.count() == 1


def test_plain_text_escaped(client: Any, users: Any, board: Any) -> None:
    t = do_create_thread(board, {"title": "<script>alert(1)</script>", "body": "<script>alert(2)</script> 正文"},
                         acting_user=users.member)
    do_create_reply(t, {"body": "<script>alert(3)</script>"}, acting_user=users.public)
    html = client.get(reverse("forum:thread", args=[t.pk])).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(3)" in html
    assert "<script>alert" not in client.get(reverse("forum:board", args=[board.pk])).content.decode()


def test_report_button(client: Any, users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    r = do_create_reply(t, {"body": "一条回复内容"}, acting_user=users.member)
    login(client, users.public)
    client.post(reverse("forum:report_thread", args=[t.pk]), {"reason": "广告"})
    client.post(reverse("forum:report_reply", args=[r.pk]), {"reason": "辱骂"})
    assert Report.objects.filter(reporter=users.public).count() == 2


def test_moderation_queue_and_actions(client: Any, users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    held = do_create_thread(board, {"title": "这里有人赌博", "body": "正文足够长的一段内容。"}, acting_user=users.member)
    do_report_post(t, "广告内容", acting_user=users.public)
    login(client, users.member)
    assert client.get(reverse("forum:moderation")).status_code == 404
    assert client.post(reverse("forum:moderate_thread", args=[t.pk]), {"op": "hide"}).status_code == 404
    login(client, users.publicity)
    html = client.get(reverse("forum:moderation")).content.decode()
    assert "广告内容" in html and held.title in html
    client.post(reverse("forum:moderate_thread", args=[held.pk]), {"op": "unhide"})
    client.post(reverse("forum:moderate_thread", args=[t.pk]), {"op": "pin"})
    held.refresh_from_db()
    t.refresh_from_db()
    assert not held.is_hidden and t.is_pinned
    rep = Report.objects.get()
    client.post(reverse("forum:resolve_report", args=[rep.pk]))
    rep.refresh_from_db()
    assert rep.resolved


def test_turn_into_opinion_button(client: Any, users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.public)
    login(client, users.admin)
    resp = client.post(reverse("forum:to_opinion", args=[t.pk]), follow=True)
    t.refresh_from_db()
    assert t.opinion is not None and t.opinion.tracking_no in resp.content.decode()
    login(client, users.member)
    assert client.post(reverse("forum:to_opinion", args=[t.pk])).status_code == 404


def test_nav_link_for_signed_in_users(client: Any, users: Any) -> None:
    login(client, users.public)
    html = client.get(reverse("opinions:mine")).content.decode()
    assert 'href="/forum/"' in html and "组工论坛" in html
