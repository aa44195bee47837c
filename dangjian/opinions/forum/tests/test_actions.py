from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from dangjian.core.models import AuditEvent, Notification
from dangjian.opinions.forum.actions import (
    do_create_board,
    do_create_reply,
    do_create_thread,
    do_moderate_reply,
    do_moderate_thread,
    do_report_post,
    do_resolve_report,
    do_turn_thread_into_opinion,
    has_sensitive_word,
)
from dangjian.opinions.forum.models import Report, Thread
from dangjian.opinions.models import Opinion

pytestmark = pytest.mark.django_db

GOOD = {"title": "主题党日怎么办", "body": "请大家分享一下支部主题党日的做法。"}


def test_member_and_public_user_post_thread_and_reply(users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    assert not t.is_hidden and t.author == users.member
    r = do_create_reply(t, {"body": "我们每季度去一次红色教育基地。"}, acting_user=users.public)
    t.refresh_from_db()
    assert t.reply_count == 1 and t.last_reply_at == r.created_at
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"forum.thread_created", "forum.reply_created", "forum.board_created"} <= actions


def test_anonymous_cannot_post(board: Any) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        do_create_thread(board, GOOD, acting_user=AnonymousUser())


def test_length_rules_name_fields_and_write_nothing(users: Any, board: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        do_create_thread(board, {"title": "短", "body": "太短"}, acting_user=users.member)
    assert set(exc.value.message_dict) == {"title", "body"}
    assert Thread.objects.count() == 0


def test_sensitive_word_holds_post_hidden(users: Any, board: Any) -> None:
    t = do_create_thread(board, {"title": "有人在赌博吗", "body": "这里是一段足够长的正文内容。"}, acting_user=users.member)
    assert t.is_hidden
    ok = do_create_thread(board, GOOD, acting_user=users.member)
    r = do_create_reply(ok, {"body": "BadWord here"}, acting_user=users.public)
    ok.refresh_from_db()
    assert r.is_hidden and ok.reply_count == 0


def test_sensitive_words_configurable(settings: Any) -> None:
    settings.DANGJIAN = {**settings.DANGJIAN, "FORUM": {"SENSITIVE_WORDS": ["苹果"]}}
    assert has_sensitive_word("我爱吃苹果")
    assert not has_sensitive_word("赌博")
    settings.DANGJIAN = {k: v for k, v in settings.DANGJIAN.items() if k != "FORUM"}
    assert has_sensitive_word("赌博")  # the built-in default list


def test_mentions_notify_existing_active_users(users: Any, board: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = do_create_thread(board, {"title": "请教一个问题", "body": "@citizen @nosuchuser @member-alice 请看看"},
                             acting_user=users.member)
    got = list(Notification.objects.filter(kind="forum.mention").values_list("recipient__username", flat=True))
    assert got == ["citizen"]  # not the author, not unknown names
    with django_capture_on_commit_callbacks(execute=True):
        do_create_reply(t, {"body": "@member-alice 收到"}, acting_user=users.public)
    assert Notification.objects.filter(kind="forum.mention", recipient=users.member).count() == 1


def test_locked_thread_refuses_replies(users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    do_moderate_thread(t, "lock", acting_user=users.publicity)
    with pytest.raises(ValidationError) as exc:
        do_create_reply(t, {"body": "还能回复吗"}, acting_user=users.public)
    assert exc.value.message_dict["body"] == [gettext("This thread is locked: no new replies.")]
    do_moderate_thread(t, "unlock", acting_user=users.admin)
    do_create_reply(t, {"body": "现在可以了"}, acting_user=users.public)


def test_only_moderators_moderate(users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    for u in (users.member, users.public, users.secretary):
        with pytest.raises(PermissionDenied):
            do_moderate_thread(t, "hide", acting_user=u)
    with pytest.raises(PermissionDenied):
        do_create_board({"name": "新版块"}, acting_user=users.member)
    do_moderate_thread(t, "pin", acting_user=users.publicity)
    with pytest.raises(ValidationError):
        do_moderate_thread(t, "pin", acting_user=users.publicity)
    with pytest.raises(ValidationError):
        do_moderate_thread(t, "explode", acting_user=users.publicity)


def test_report_and_hide_resolves_reports(users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.member)
    r = do_create_reply(t, {"body": "一条不友善的回复"}, acting_user=users.public)
    rep = do_report_post(r, "人身攻击", acting_user=users.member)
    assert do_report_post(r, "人身攻击", acting_user=users.member) == rep  # no duplicate open report
    with pytest.raises(ValidationError) as exc:
        do_report_post(t, "", acting_user=users.public)
    assert "reason" in exc.value.message_dict
    do_moderate_reply(r, "hide", acting_user=users.admin)
    rep.refresh_from_db()
    t.refresh_from_db()
    assert rep.resolved and t.reply_count == 0
    rep2 = do_report_post(t, "广告", acting_user=users.public)
    do_resolve_report(rep2, acting_user=users.publicity)
    assert Report.objects.filter(resolved=False).count() == 0
    with pytest.raises(ValidationError):
        do_resolve_report(rep2, acting_user=users.publicity)


def test_turn_thread_into_opinion_idempotent(users: Any, board: Any) -> None:
    t = do_create_thread(board, GOOD, acting_user=users.public)
    with pytest.raises(PermissionDenied):
        do_turn_thread_into_opinion(t, acting_user=users.member)
    o1 = do_turn_thread_into_opinion(t, acting_user=users.publicity)
    o2 = do_turn_thread_into_opinion(t, acting_user=users.admin)
    assert o1.pk == o2.pk and Opinion.objects.count() == 1
    assert o1.title == GOOD["title"] and o1.body == GOOD["body"] and o1.sender == users.public
    t.refresh_from_db()
    assert t.opinion_id == o1.pk
    assert AuditEvent.objects.filter(action="forum.thread_to_opinion").count() == 1


def test_a_new_thread_is_announced_for_analysis_as_its_source_offers_it(users: Any, board: Any,
                                                                         django_capture_on_commit_callbacks: Any) -> None:
    from dangjian.testing.texts import announced_texts, offered

    with announced_texts() as seen, django_capture_on_commit_callbacks(execute=True):
        t = do_create_thread(board, GOOD, acting_user=users.member)
        do_create_thread(board, {"title": "有人在赌博吗", "body": "这里是一段足够长的正文内容。"}, acting_user=users.member)
        do_create_reply(t, {"body": "我们每季度去一次红色教育基地。"}, acting_user=users.public)
    # the held thread is not offered (it is hidden), and replies are not a text source
    assert seen == [("forum", offered("forum", t.pk))]
