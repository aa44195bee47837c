"""/api/v1/forum: boards, paginated thread lists with bounded queries, thread detail with replies,
posting, replying, editing/deleting own posts, reporting — visibility (404) and the rate limit (429)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dangjian.opinions.forum.actions import do_create_board, do_create_reply, do_create_thread, do_set_board_archived
from dangjian.opinions.forum.models import Reply, Report, Thread
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db

GOOD = {"title": "主题党日怎么办", "body": "请大家分享一下支部主题党日的做法。"}


def bearer(user: Any) -> dict[str, str]:
    login = Client().post("/api/v1/auth/login", {"username": user.username, "password": PASSWORD},
                          content_type="application/json")
    assert login.status_code == 200, login.content
    return {"Authorization": f"Bearer {login.json()['token']}"}


def forum_settings(settings: Any, **values: Any) -> None:
    settings.DANGJIAN = {**settings.DANGJIAN, "FORUM": {**settings.DANGJIAN["FORUM"], **values}}


def test_boards_and_paginated_threads_with_bounded_queries(users: Any, board: Any, settings: Any,
                                                          django_assert_max_num_queries: Any) -> None:
    forum_settings(settings, POST_RATE="off")
    archived = do_create_board({"name": "旧版块"}, acting_user=users.admin)
    do_set_board_archived(archived, True, acting_user=users.admin)
    authors = [users.member, users.public, users.admin, users.secretary]
    for i in range(45):
        do_create_thread(board, {"title": f"帖子标题{i:02d}", "body": GOOD["body"]}, acting_user=authors[i % 4])
    held = do_create_thread(board, {"title": "待审的帖子", "body": "含有赌博字样的帖子内容"}, acting_user=users.member)
    c = Client()
    assert [b["name"] for b in c.get("/api/v1/forum/boards").json()] == [board.name]
    with django_assert_max_num_queries(5):
        body = c.get(f"/api/v1/forum/boards/{board.pk}/threads?page_size=20").json()
    assert body["count"] == 45 and len(body["items"]) == 20 and body["items"][0]["title"] == "帖子标题44"
    assert {i["author"]["official"] for i in body["items"]} == {True, False}
    with django_assert_max_num_queries(5):
        last = c.get(f"/api/v1/forum/boards/{board.pk}/threads?page=3&page_size=20").json()
    assert [i["title"] for i in last["items"]] == [f"帖子标题{i:02d}" for i in range(4, -1, -1)]
    assert c.get(f"/api/v1/forum/boards/{board.pk}/threads?page=9").json()["items"] == []
    assert c.get(f"/api/v1/forum/boards/{board.pk}/threads?page_size=500").status_code == 422
    assert c.get(f"/api/v1/forum/boards/{archived.pk}/threads").status_code == 404
    # the held thread: 404 for others, visible to its author with a token
    assert c.get(f"/api/v1/forum/threads/{held.pk}").status_code == 404
    mine = c.get(f"/api/v1/forum/threads/{held.pk}", headers=bearer(users.member))
    assert mine.status_code == 200 and mine.json()["is_hidden"] is True
    assert c.get("/api/v1/forum/threads/1", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_thread_detail_with_replies(users: Any, board: Any, settings: Any,
                                    django_assert_max_num_queries: Any) -> None:
    forum_settings(settings, POST_RATE="off")
    t = do_create_thread(board, GOOD, acting_user=users.member)
    for i in range(30):
        do_create_reply(t, {"body": f"第{i:02d}条回复"}, acting_user=users.public if i % 2 else users.admin)
    hidden = do_create_reply(t, {"body": "有赌博内容的回复"}, acting_user=users.public)
    c = Client()
    with django_assert_max_num_queries(6):
        body = c.get(f"/api/v1/forum/threads/{t.pk}?page_size=25").json()
    assert body["replies_count"] == 30 and len(body["replies"]) == 25 and body["body"] == GOOD["body"]
    assert body["replies"][0]["body"] == "第00条回复" and body["replies"][0]["author"]["official"] is True
    assert hidden.pk not in {r["id"] for r in body["replies"]}
    page2 = c.get(f"/api/v1/forum/threads/{t.pk}?page=2&page_size=25").json()
    assert [r["body"] for r in page2["replies"]] == [f"第{i:02d}条回复" for i in range(25, 30)]


def test_post_reply_edit_delete_report(users: Any, board: Any) -> None:
    c = Client()
    auth = bearer(users.member)
    assert c.post(f"/api/v1/forum/boards/{board.pk}/threads", GOOD, content_type="application/json").status_code == 401
    posted = c.post(f"/api/v1/forum/boards/{board.pk}/threads", GOOD, content_type="application/json", headers=auth)
    assert posted.status_code == 201 and posted.json()["is_hidden"] is False
    tid = posted.json()["id"]
    short = c.post(f"/api/v1/forum/boards/{board.pk}/threads", {"title": "短", "body": GOOD["body"]},
                   content_type="application/json", headers=auth)
    assert short.status_code == 400 and short.json()["field"] == "title"
    other = bearer(users.public)
    reply = c.post(f"/api/v1/forum/threads/{tid}/replies", {"body": "我来回复一下"}, content_type="application/json",
                   headers=other)
    assert reply.status_code == 201
    rid = reply.json()["id"]
    # edit: own post only (others' posts are 404), the history is kept
    assert c.put(f"/api/v1/forum/threads/{tid}", {"title": "别人的修改", "body": GOOD["body"]},
                 content_type="application/json", headers=other).status_code == 404
    edited = c.put(f"/api/v1/forum/threads/{tid}", {"title": "改过的标题", "body": GOOD["body"]},
                   content_type="application/json", headers=auth)
    assert edited.status_code == 200 and edited.json()["title"] == "改过的标题" and edited.json()["edited_at"]
    held = c.put(f"/api/v1/forum/replies/{rid}", {"body": "改成赌博内容"}, content_type="application/json",
                 headers=other)
    assert held.status_code == 200 and held.json()["is_hidden"] is True
    assert Thread.objects.get(pk=tid).revisions.count() == 1 and Reply.objects.get(pk=rid).revisions.count() == 1
    report = c.post(f"/api/v1/forum/threads/{tid}/report", {"reason": "标题党"}, content_type="application/json",
                    headers=other)
    assert report.status_code == 201 and Report.objects.filter(thread_id=tid).count() == 1
    assert c.delete(f"/api/v1/forum/replies/{rid}", headers=auth).status_code == 404
    assert c.delete(f"/api/v1/forum/replies/{rid}", headers=other).status_code == 204
    assert c.delete(f"/api/v1/forum/threads/{tid}", headers=auth).status_code == 204
    assert c.get(f"/api/v1/forum/threads/{tid}", headers=auth).status_code == 404


def test_posting_too_fast_is_429(users: Any, board: Any, settings: Any) -> None:
    forum_settings(settings, POST_RATE="2/m")
    c = Client()
    auth = bearer(users.member)
    url = f"/api/v1/forum/boards/{board.pk}/threads"
    for i in range(2):
        assert c.post(url, {"title": f"第{i}个帖子标题", "body": GOOD["body"]}, content_type="application/json",
                      headers=auth).status_code == 201
    third = c.post(url, {"title": "第三个帖子标题", "body": GOOD["body"]}, content_type="application/json", headers=auth)
    assert third.status_code == 429 and third.json()["code"] == "rate_limited" and 1 <= int(third["Retry-After"]) <= 60
    assert Thread.objects.count() == 2
