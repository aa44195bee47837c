"""Reads for the forum: visible boards/threads/replies, official authors, the moderation queue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404

from dangjian.core.models import RoleAssignment
from dangjian.core.roles import STAFF_ROLES
from dangjian.opinions.forum.actions import can_moderate, can_moderate_board, moderated_board_ids
from dangjian.opinions.forum.models import Board, PostRevision, Reply, Report, Thread


def active_boards() -> QuerySet[Board]:
    return Board.objects.filter(is_active=True)


def access_board(board_id: Any) -> Board:
    board = active_boards().filter(pk=board_id).first()
    if board is None:
        raise Http404
    return board


def _visible(user: Any, board_field: str = "board_id") -> Q:
    """Posts the user may see: never ones their author deleted; hidden ones only for their author
    and the moderators of their board."""
    shown = Q(is_deleted=False)
    if can_moderate(user):
        return shown
    if getattr(user, "is_authenticated", False):
        own = Q(is_hidden=False) | Q(author_id=user.pk)
        boards = moderated_board_ids(user)
        if boards:
            own |= Q(**{f"{board_field}__in": boards})
        return shown & own
    return shown & Q(is_hidden=False)


def threads_for(user: Any, board: Board) -> QuerySet[Thread]:
    return (Thread.objects.filter(board=board).filter(_visible(user)).select_related("author")
            .order_by("-is_pinned", "-last_reply_at", "-pk"))


def access_thread(user: Any, thread_id: Any) -> Thread:
    """A thread the user may see (hidden ones only for the author and moderators), else 404."""
    try:
        pk = int(thread_id)
    except (TypeError, ValueError, OverflowError):
        raise Http404 from None
    thread = (Thread.objects.filter(pk=pk, board__is_active=True).filter(_visible(user))
              .select_related("author", "board", "opinion").first())
    if thread is None:
        raise Http404
    return thread


def replies_for(user: Any, thread: Thread) -> QuerySet[Reply]:
    return thread.replies.filter(_visible(user, "thread__board_id")).select_related("author")


def access_reply(user: Any, reply_id: Any) -> Reply:
    try:
        pk = int(reply_id)
    except (TypeError, ValueError, OverflowError):
        raise Http404 from None
    reply = (Reply.objects.filter(pk=pk, thread__board__is_active=True).filter(_visible(user, "thread__board_id"))
             .select_related("thread", "author").first())
    if reply is None or not Thread.objects.filter(pk=reply.thread_id).filter(_visible(user)).exists():
        raise Http404
    return reply


def moderates(user: Any, board_id: int) -> bool:
    return can_moderate_board(user, board_id)


def revisions(post: Thread | Reply) -> list[PostRevision]:
    return list(post.revisions.select_related("editor").order_by("edited_at", "pk"))


def access_managed_board(user: Any, board_id: Any) -> Board:
    """Any board, archived ones too, for the board administrators; 404 for everybody else."""
    from dangjian.opinions.forum.actions import can_manage_boards

    if not can_manage_boards(user):
        raise Http404
    try:
        return Board.objects.prefetch_related("moderators").get(pk=int(board_id))
    except (Board.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404 from None


def all_boards() -> QuerySet[Board]:
    return Board.objects.prefetch_related("moderators").order_by("order", "pk")


def user_by_username(username: str) -> Any:
    return get_user_model().objects.filter(username=(username or "").strip()[:150], is_active=True).first()


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


def _board_filter(user: Any, field: str) -> Q:
    """The moderation queue of a per-board moderator covers their boards only."""
    if can_moderate(user):
        return Q()
    return Q(**{f"{field}__in": moderated_board_ids(user)})


def open_reports(user: Any = None) -> QuerySet[Report]:
    qs = Report.objects.filter(resolved=False).select_related("reporter", "thread", "reply", "reply__thread")
    if user is not None and not can_moderate(user):
        boards = moderated_board_ids(user)
        qs = qs.filter(Q(thread__board_id__in=boards) | Q(reply__thread__board_id__in=boards))
    return qs.order_by("-created_at", "-pk")


def held_threads(user: Any = None) -> QuerySet[Thread]:
    qs = Thread.objects.filter(is_hidden=True, is_deleted=False).select_related("author", "board")
    if user is not None:
        qs = qs.filter(_board_filter(user, "board_id"))
    return qs.order_by("-created_at", "-pk")


def held_replies(user: Any = None) -> QuerySet[Reply]:
    qs = Reply.objects.filter(is_hidden=True, is_deleted=False).select_related("author", "thread")
    if user is not None:
        qs = qs.filter(_board_filter(user, "thread__board_id"))
    return qs.order_by("-created_at", "-pk")


def access_report(user: Any, report_id: Any) -> Report:
    """An open or closed report in the boards the user moderates, else 404."""
    try:
        pk = int(report_id)
    except (TypeError, ValueError, OverflowError):
        raise Http404 from None
    report = Report.objects.select_related("thread", "reply", "reply__thread").filter(pk=pk).first()
    if report is None:
        raise Http404
    board_id = report.thread.board_id if report.thread_id else report.reply.thread.board_id  # type: ignore[union-attr]
    if not can_moderate_board(user, board_id):
        raise Http404
    return report
