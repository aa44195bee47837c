"""Authors edit and delete their own posts (window, history, sensitive words re-checked), mentions
followed directly by Chinese text, the posting rate limit, board management and per-board moderators."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from dangjian.core.models import AuditEvent, Notification
from dangjian.opinions.forum.actions import (
    PostingTooFast,
    do_add_board_moderator,
    do_create_board,
    do_create_reply,
    do_create_thread,
    do_delete_reply,
    do_delete_thread,
    do_edit_reply,
    do_edit_thread,
    do_moderate_thread,
    do_remove_board_moderator,
    do_report_post,
    do_set_board_archived,
    do_update_board,
    mentioned_users,
)
from dangjian.opinions.forum.models import Board, PostRevision, Reply, Report, Thread
from dangjian.opinions.forum.selectors import access_thread, held_threads, open_reports, threads_for
from dangjian.testing.fixtures import PASSWORD, make_user

pytestmark = pytest.mark.django_db

GOOD = {"title": "主题党日怎么办", "body": "请大家分享一下支部主题党日的做法。"}


def forum_settings(settings: Any, **values: Any) -> None:
    settings.DANGJIAN = {**settings.DANGJIAN, "FORUM": {**settings.DANGJIAN["FORUM"], **values}}


def age(post: Thread | Reply, minutes: int) -> None:
    type(post).objects.filter(pk=post.pk).update(created_at=timezone.now() - dt.timedelta(minutes=minutes))
    post.refresh_from_db()


# --- edit / delete own posts ----------------------------------------------------------------------

def test_author_edits_thread_history_kept(users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    do_edit_thread(t, {"title": "主题党日怎么搞", "body": "请大家分享一下支部主题党日的好做法。"}, acting_user=users.member)
    t.refresh_from_db()
    assert t.title == "主题党日怎么搞" and t.edited_at is not None and not t.is_hidden
    old = PostRevision.objects.get(thread=t)
    assert (old.title, old.body) == (GOOD["title"], GOOD["body"])
    assert AuditEvent.objects.filter(action="forum.thread_edited").exists()


def test_edit_rechecks_sensitive_words_and_hides(users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    r = do_create_reply(t, {"body": "我们每季度去一次红色教育基地。"}, acting_user=users.public)
    t.refresh_from_db()
    assert t.reply_count == 1
    do_edit_reply(r, {"body": "欢迎来参与赌博活动"}, acting_user=users.public)
    r.refresh_from_db()
    t.refresh_from_db()
    assert r.is_hidden and t.reply_count == 0
    do_edit_thread(t, {"title": GOOD["title"], "body": "一段含有 badword 的正文内容。"}, acting_user=users.member)
    t.refresh_from_db()
    assert t.is_hidden
    assert list(held_threads()) == [t]
    # editing the word away does not bring it back by itself: a moderator approves
    do_edit_thread(t, GOOD, acting_user=users.member)
    t.refresh_from_db()
    assert t.is_hidden and PostRevision.objects.filter(thread=t).count() == 2


def test_only_author_within_window_may_change(users: Any, board: Any, settings: Any) -> None:
    forum_settings(settings, EDIT_WINDOW_MINUTES=15)
    t = do_create_thread(board, GOOD, acting_user=users.member)
    r = do_create_reply(t, {"body": "我们每季度去一次红色教育基地。"}, acting_user=users.public)
    with pytest.raises(PermissionDenied):
        do_edit_thread(t, GOOD | {"title": "别人改的标题"}, acting_user=users.public)
    with pytest.raises(PermissionDenied):
        do_delete_reply(r, acting_user=users.admin)  # moderators hide; they do not delete others' posts
    age(t, 16)
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            do_edit_thread(t, GOOD | {"title": "太晚改的标题"}, acting_user=users.member)
        assert "15 minutes" in " ".join(exc.value.messages)  # lazy text: read under the override
    with pytest.raises(ValidationError):
        do_delete_thread(t, acting_user=users.member)
    # inside the window but the thread is locked: no more changes
    do_moderate_thread(t, "lock", acting_user=users.admin)
    with pytest.raises(ValidationError):
        do_edit_reply(r, {"body": "改一下回复内容"}, acting_user=users.public)
    assert not PostRevision.objects.exists()


def test_delete_own_posts_disappear_and_recount(users: Any, board: Any, client: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    r = do_create_reply(t, {"body": "我们每季度去一次红色教育基地。"}, acting_user=users.public)
    report = do_report_post(r, "不当内容", acting_user=users.member)
    do_delete_reply(r, acting_user=users.public)
    t.refresh_from_db()
    report.refresh_from_db()
    assert t.reply_count == 0 and report.resolved
    do_delete_thread(t, acting_user=users.member)
    with pytest.raises(Exception) as exc:
        access_thread(users.member, t.pk)
    assert type(exc.value).__name__ == "Http404"
    assert list(threads_for(users.admin, board)) == []
    assert client.get(reverse("forum:thread", args=[t.pk])).status_code == 404
    assert Thread.objects.filter(pk=t.pk, is_deleted=True).exists()  # kept for the audit trail


def test_edit_and_delete_pages(users: Any, board: Any, client: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    assert client.login(username=users.public.username, password=PASSWORD)
    assert client.get(reverse("forum:edit_thread", args=[t.pk])).status_code == 404  # not theirs
    client.logout()
    assert client.login(username=users.member.username, password=PASSWORD)
    html = client.get(reverse("forum:thread", args=[t.pk])).content.decode()
    assert 'id="edit-thread"' in html and 'id="delete-thread"' in html
    bad = client.post(reverse("forum:edit_thread", args=[t.pk]), {"title": "短", "body": GOOD["body"]})
    assert bad.status_code == 400
    ok = client.post(reverse("forum:edit_thread", args=[t.pk]), {"title": "新的标题文字", "body": GOOD["body"]})
    assert ok.status_code == 302
    html = client.get(reverse("forum:thread", args=[t.pk])).content.decode()
    assert "新的标题文字" in html and 'class="edited"' in html
    age(t, 31)  # default window: 30 minutes
    assert 'id="edit-thread"' not in client.get(reverse("forum:thread", args=[t.pk])).content.decode()
    assert client.post(reverse("forum:delete_thread", args=[t.pk])).status_code == 302
    assert not Thread.objects.get(pk=t.pk).is_deleted


# --- mentions -------------------------------------------------------------------------------------

def test_mentions_followed_by_chinese_text(users: Any, board: Any, root_user: Any,
                                           django_capture_on_commit_callbacks: Any) -> None:
    zhang = make_user("zhangsan", None, None, acting_user=root_user)
    zhang.name = "张三"
    zhang.save(update_fields=["name"])
    zhangsanfeng = make_user("zsf", None, None, acting_user=root_user)
    zhangsanfeng.name = "张三丰"
    zhangsanfeng.save(update_fields=["name"])
    assert [u.pk for u in mentioned_users("@张三请看一下")] == [zhang.pk]
    assert [u.pk for u in mentioned_users("@张三丰请看")] == [zhangsanfeng.pk]  # the longest name wins
    assert [u.pk for u in mentioned_users("@zhangsan，你好")] == [zhang.pk]
    assert [u.pk for u in mentioned_users("@张三@zsf 都来")] == [zhang.pk, zhangsanfeng.pk]
    assert mentioned_users("邮件 a@b 不是提及") == []
    # a display name shared by two people names nobody
    twin = make_user("another-zhang", None, None, acting_user=root_user)
    twin.name = "张三"
    twin.save(update_fields=["name"])
    assert mentioned_users("@张三请看") == []
    assert [u.pk for u in mentioned_users("@zhangsan请看")] == [zhang.pk]  # the user name still works
    with django_capture_on_commit_callbacks(execute=True):
        do_create_thread(board, {"title": GOOD["title"], "body": "@张三丰请看一下这个问题的做法。"}, acting_user=users.member)
    assert set(Notification.objects.filter(kind="forum.mention").values_list("recipient_id", flat=True)) == {
        zhangsanfeng.pk}


def test_edit_notifies_only_newly_mentioned(users: Any, board: Any, root_user: Any,
                                            django_capture_on_commit_callbacks: Any) -> None:
    a = make_user("alpha", None, None, acting_user=root_user)
    b = make_user("bravo", None, None, acting_user=root_user)
    with django_capture_on_commit_callbacks(execute=True):
        t = do_create_thread(board, {"title": GOOD["title"], "body": "@alpha 请看一下这个做法。"}, acting_user=users.member)
    with django_capture_on_commit_callbacks(execute=True):
        do_edit_thread(t, {"title": GOOD["title"], "body": "@alpha @bravo 请看一下这个做法。"}, acting_user=users.member)
    counts = {pk: Notification.objects.filter(kind="forum.mention", recipient_id=pk).count() for pk in (a.pk, b.pk)}
    assert counts == {a.pk: 1, b.pk: 1}


# --- posting rate ---------------------------------------------------------------------------------

def test_posting_rate_limit(users: Any, board: Any, settings: Any, client: Any) -> None:
    forum_settings(settings, POST_RATE="2/m")
    t = do_create_thread(board, GOOD, acting_user=users.member)
    do_create_reply(t, {"body": "第一条回复内容"}, acting_user=users.member)
    with translation.override("en"):
        with pytest.raises(PostingTooFast) as exc:
            do_create_reply(t, {"body": "第二条回复内容"}, acting_user=users.member)
        # the wait is what is left of the minute's window; lazy text: read under the override
        assert 1 <= exc.value.seconds <= 60 and f"{exc.value.seconds} seconds" in str(exc.value)
    assert Reply.objects.count() == 1
    # the page answers 429 with the message and keeps the text
    assert client.login(username=users.member.username, password=PASSWORD)
    resp = client.post(reverse("forum:thread", args=[t.pk]), {"body": "第三条回复内容"})
    assert resp.status_code == 429 and 1 <= int(resp["Retry-After"]) <= 60
    html = resp.content.decode()
    assert "posting too fast" in html.lower() or "发帖太快" in html
    assert "第三条回复内容" in html
    # other authors and moderators are not affected
    do_create_reply(t, {"body": "别人的回复内容"}, acting_user=users.public)
    for i in range(3):
        do_create_reply(t, {"body": f"版主的回复{i}"}, acting_user=users.admin)
    forum_settings(settings, POST_RATE="off")
    do_create_reply(t, {"body": "关闭限制后的回复"}, acting_user=users.member)


# --- board management and per-board moderators ----------------------------------------------------

def test_board_management_actions(users: Any, board: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_create_board({"name": "宣传员的版块"}, acting_user=users.publicity)  # a moderator, not an admin
    other = do_create_board({"name": "建言献策", "order": 5}, acting_user=users.admin)
    with pytest.raises(ValidationError) as exc:
        do_update_board(other, {"name": board.name, "order": 1}, acting_user=users.admin)
    assert "name" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_update_board(other, {"name": "建言献策", "order": "x"}, acting_user=users.admin)
    assert "order" in exc.value.message_dict
    do_update_board(other, {"name": "意见建议", "description": "说说你的想法", "order": 1}, acting_user=users.admin)
    assert [b.name for b in Board.objects.filter(is_active=True)] == ["意见建议", board.name]
    t = do_create_thread(other, GOOD, acting_user=users.member)
    do_set_board_archived(other, True, acting_user=users.admin)
    with pytest.raises(ValidationError):
        do_set_board_archived(other, True, acting_user=users.admin)
    with pytest.raises(Exception) as exc404:
        access_thread(users.member, t.pk)
    assert type(exc404.value).__name__ == "Http404"
    do_set_board_archived(other, False, acting_user=users.admin)
    assert access_thread(users.member, t.pk) == t
    assert {"forum.board_changed", "forum.board_archived", "forum.board_restored"} <= set(
        AuditEvent.objects.values_list("action", flat=True))


def test_per_board_moderator(users: Any, board: Any, client: Any) -> None:
    other = do_create_board({"name": "建言献策"}, acting_user=users.admin)
    do_add_board_moderator(board, users.secretary, acting_user=users.admin)
    with pytest.raises(ValidationError):
        do_add_board_moderator(board, users.secretary, acting_user=users.admin)
    mine = do_create_thread(board, {"title": GOOD["title"], "body": "含有赌博字样的帖子内容"}, acting_user=users.member)
    theirs = do_create_thread(other, {"title": GOOD["title"], "body": "另一个含有赌博字样的帖子"}, acting_user=users.member)
    sec = users.secretary
    assert access_thread(sec, mine.pk) == mine  # a held thread of their board
    with pytest.raises(Exception) as exc404:
        access_thread(sec, theirs.pk)  # another board's held thread
    assert type(exc404.value).__name__ == "Http404"
    do_moderate_thread(mine, "unhide", acting_user=sec)
    do_report_post(do_create_reply(mine, {"body": "一条回复"}, acting_user=users.public), "不当",
                   acting_user=users.member)
    with pytest.raises(PermissionDenied):
        do_moderate_thread(theirs, "unhide", acting_user=sec)
    assert list(held_threads(sec)) == [] and list(held_threads(users.admin)) == [theirs]
    assert open_reports(sec).count() == 1
    # the pages: the queue shows their board only; other boards' moderation is 404
    assert client.login(username=sec.username, password=PASSWORD)
    assert client.get(reverse("forum:moderation")).status_code == 200
    assert client.post(reverse("forum:moderate_thread", args=[theirs.pk]), {"op": "pin"}).status_code == 404
    assert client.post(reverse("forum:moderate_thread", args=[mine.pk]), {"op": "pin"}).status_code == 302
    report = Report.objects.get()
    assert client.post(reverse("forum:resolve_report", args=[report.pk])).status_code == 302
    do_remove_board_moderator(board, sec, acting_user=users.admin)
    sec.__dict__.pop("_dj_forum_boards", None)
    with pytest.raises(PermissionDenied):
        do_moderate_thread(mine, "unpin", acting_user=sec)


def test_manage_pages(users: Any, board: Any, client: Any) -> None:
    assert client.login(username=users.publicity.username, password=PASSWORD)
    assert client.get(reverse("forum:manage_boards")).status_code == 404
    client.logout()
    assert client.login(username=users.admin.username, password=PASSWORD)
    assert 'id="manage-boards"' in client.get(reverse("forum:boards")).content.decode()
    bad = client.post(reverse("forum:manage_boards"), {"name": board.name, "order": 3})
    assert bad.status_code == 400 and 'class="field-error"' in bad.content.decode()
    assert client.post(reverse("forum:manage_boards"), {"name": "党员风采", "order": 3}).status_code == 302
    new = Board.objects.get(name="党员风采")
    url = reverse("forum:manage_board", args=[new.pk])
    assert client.post(url, {"form": "edit", "name": "党员风采录", "description": "", "order": 1}).status_code == 302
    assert client.post(url, {"form": "add_moderator", "username": users.secretary.username}).status_code == 302
    nobody = client.post(url, {"form": "add_moderator", "username": "no-such-user"})
    assert nobody.status_code == 400
    assert client.post(url, {"form": "archive"}).status_code == 302
    new.refresh_from_db()
    assert new.name == "党员风采录" and not new.is_active and list(new.moderators.all()) == [users.secretary]
    html = client.get(reverse("forum:manage_boards")).content.decode()
    assert "党员风采录" in html and users.secretary.display_name in html
    assert new.name not in client.get(reverse("forum:boards")).content.decode()


def test_moderation_queue_is_paginated(users: Any, board: Any, client: Any, settings: Any,
                                       django_assert_max_num_queries: Any) -> None:
    forum_settings(settings, POST_RATE="off")
    for i in range(30):
        do_create_thread(board, {"title": f"待审帖子{i:02d}", "body": "含有赌博字样的帖子内容"}, acting_user=users.member)
    assert client.login(username=users.admin.username, password=PASSWORD)
    client.get(reverse("forum:moderation"))
    with django_assert_max_num_queries(15):
        html = client.get(reverse("forum:moderation")).content.decode()
    assert "待审帖子29" in html and "待审帖子04" not in html and 'id="next-threads"' in html
    html2 = client.get(reverse("forum:moderation") + "?threads=2").content.decode()
    assert "待审帖子04" in html2 and "待审帖子29" not in html2
