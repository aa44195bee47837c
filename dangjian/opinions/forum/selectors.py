"""Reads for the forum: visible boards/threads/replies, official authors, the moderation queue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404

from dangjian.core.models import RoleAssignment
from dangjian.core.roles import STAFF_ROLES
from dangjian.opinions.forum.actions import can_moderate
from dangjian.opinions.forum.models import Board, Reply, Report, Thread


def active_boards() -> QuerySet[Board]:
    return Board.objects.filter(is_active=True)


def access_board(board_id: Any) -> Board:
    board = active_boards().filter(pk=board_id).first()
    if board is None:
        raise Http404
    return board


def _visible(user: Any) -> Q:
    if can_moderate(user):
        return Q()
    if getattr(user, "is_authenticated", False):
        return Q(is_hidden=False) | Q(author_id=user.pk)
    return Q(is_hidden=False)


def threads_for(user: Any, board: Board) -> QuerySet[Thread]:
    return (Thread.objects.filter(board=board).filter(_visible(user)).select_related("author")
            .order_by("-is_pinned", "-last_reply_at", "-pk"))


def access_thread(user: Any, thread_id: Any) -> Thread:
    """A thread the user may see (hidden ones only for the author and moderators), else 404."""
    thread = (Thread.objects.filter(pk=thread_id, board__is_active=True).filter(_visible(user))
              .select_related("author", "board", "opinion").first())
    if thread is None:
        raise Http404
    return thread


def replies_for(user: Any, thread: Thread) -> QuerySet[Reply]:
    return thread.replies.filter(_visible(user)).select_related("author")


def access_reply(user: Any, reply_id: Any) -> Reply:
    reply = Reply.objects.filter(pk=reply_id).filter(_visible(user)).select_related("thread").first()
    if reply is None or not Thread.objects.filter(pk=reply.thread_id).filter(_visible(user)).exists():
        raise Http404
    return reply


def official_ids(user_ids: Iterable[int]) -> set[int]:
    """Which of these users post as an official account (a staff role or a superuser): one query."""
    ids = set(user_ids)
    if not ids:
        return set()
    staff = set(RoleAssignment.objects.filter(user_id__in=ids, role__in=STAFF_ROLES).values_list("user_id", flat=True))
    supers = set(get_user_model().objects.filter(pk__in=ids, is_superuser=True).values_list("pk", flat=True))
    return staff | supers


def mark_official(posts: Iterable[Thread | Reply]) -> None:
    posts = list(posts)
    official = official_ids(p.author_id for p in posts)
    for p in posts:
        p.author_is_official = p.author_id in official  # type: ignore[union-attr]


def open_reports() -> QuerySet[Report]:
    return Report.objects.filter(resolved=False).select_related("reporter", "thread", "reply", "reply__thread")


def held_threads() -> QuerySet[Thread]:
    return Thread.objects.filter(is_hidden=True).select_related("author", "board").order_by("-created_at")


def held_replies() -> QuerySet[Reply]:
    return Reply.objects.filter(is_hidden=True).select_related("author", "thread").order_by("-created_at")
