"""Writes for the forum: boards, threads, replies, mentions, reports, moderation, thread → opinion."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit, ratelimit
from dangjian.core.actors import ActingUser, as_user, signed_in
from dangjian.core.hooks import text_added
from dangjian.core.notifications import notify
from dangjian.core.scoping import has_any
from dangjian.opinions import OpinionKind
from dangjian.opinions.actions import _clean_body, do_submit_opinion
from dangjian.opinions.forum.models import Board, PostRevision, Reply, Report, Thread
from dangjian.opinions.forum.textsource import record_of

MODERATE = "forum.moderate"
MANAGE_BOARDS = "forum.manage_boards"
TITLE_MIN, TITLE_MAX = 4, 100
BODY_MIN, BODY_MAX = 10, 2000
REPLY_MIN, REPLY_MAX = 2, 2000
REASON_MIN, REASON_MAX = 2, 200
BOARD_NAME_MAX = 50
MENTION_MAX = 10
DEFAULT_SENSITIVE_WORDS = ("法轮功", "赌博", "代开发票", "枪支", "毒品")
#: What may follow an "@": up to this many characters are tried as a name, longest first.
MENTION_SCAN = 30
_MENTION_STOP = re.compile(r"[\s@,，。；;：:!！?？、()（）\[\]【】<>《》\"'“”‘’]")
#: Authors may edit or delete their posts for this many minutes (``FORUM["EDIT_WINDOW_MINUTES"]``;
#: 0: never).
DEFAULT_EDIT_WINDOW_MINUTES = 30
#: New threads and replies per author (``FORUM["POST_RATE"]``, e.g. ``"5/m"``; ``"off"``: no limit).
#: Moderators are not limited.
DEFAULT_POST_RATE = "5/m"


class PostingTooFast(Exception):
    """The author has reached the posting rate; ``seconds`` until the window ends."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _("You are posting too fast. Wait %(seconds)d seconds and try again.") % {"seconds": self.seconds}


def forum_config() -> dict[str, Any]:
    return getattr(settings, "DANGJIAN", {}).get("FORUM") or {}


def edit_window() -> dt.timedelta:
    try:
        minutes = int(forum_config().get("EDIT_WINDOW_MINUTES", DEFAULT_EDIT_WINDOW_MINUTES))
    except (TypeError, ValueError):
        minutes = DEFAULT_EDIT_WINDOW_MINUTES
    return dt.timedelta(minutes=max(0, minutes))


def post_rate() -> tuple[int, int] | None:
    raw = str(forum_config().get("POST_RATE", DEFAULT_POST_RATE)).strip()
    if raw.lower() in {"off", "none", "0", "false", "no", ""}:
        return None
    try:
        return ratelimit.parse_rate(raw)
    except ValueError:
        return ratelimit.parse_rate(DEFAULT_POST_RATE)


def _check_post_rate(user: Any) -> None:
    rate = post_rate()
    if rate is None or can_moderate(user):
        return
    limit, period = rate
    wait = ratelimit.consume(f"dangjian:forum-post:{user.pk}", limit, period)
    if wait is not None:
        raise PostingTooFast(wait)


def sensitive_words() -> list[str]:
    words = forum_config().get("SENSITIVE_WORDS")
    if words is None:
        words = DEFAULT_SENSITIVE_WORDS
    return [w.strip().lower() for w in words if w and w.strip()]


def has_sensitive_word(*texts: str) -> bool:
    text = " ".join(texts).lower()
    return any(w in text for w in sensitive_words())


def can_moderate(user: Any) -> bool:
    """A moderator of every board (permission ``forum.moderate``)."""
    return has_any(user, MODERATE)


def moderated_board_ids(user: Any) -> set[int]:
    """Boards the user moderates as a per-board moderator (cached on the user object)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = user.__dict__.get("_dj_forum_boards")
    if cached is None:
        cached = set(Board.moderators.through.objects.filter(user_id=user.pk).values_list("board_id", flat=True))
        user.__dict__["_dj_forum_boards"] = cached
    return cached


def can_moderate_board(user: Any, board_id: int) -> bool:
    return can_moderate(user) or board_id in moderated_board_ids(user)


def can_manage_boards(user: Any) -> bool:
    return has_any(user, MANAGE_BOARDS)


def _require_moderator(user: Any, board_id: int | None = None) -> None:
    if not (can_moderate(user) if board_id is None else can_moderate_board(user, board_id)):
        raise PermissionDenied(_("Only forum moderators can do this."))


def _require_manager(user: Any) -> None:
    if not can_manage_boards(user):
        raise PermissionDenied(_("Only forum administrators can manage boards."))


def _require_poster(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("Sign in to post in the forum."))


def _line(value: Any) -> str:
    return " ".join(str(value or "").split())


def _check_len(errors: dict[str, list[str]], field: str, value: str, lo: int, hi: int) -> None:
    if not lo <= len(value) <= hi:
        errors[field] = [_("This must be %(min)d to %(max)d characters long.") % {"min": lo, "max": hi}]


def _mention_candidates(text: str) -> list[list[str]]:
    """For each "@" in the text, the names it may start, longest first: "@张三请看" → ["张三请看",
    "张三请", "张三", "张"]. A name ends at white space, punctuation or the next "@"."""
    found: list[list[str]] = []
    for m in re.finditer("@", text):
        tail = text[m.end():m.end() + MENTION_SCAN]
        stop = _MENTION_STOP.search(tail)
        tail = tail[:stop.start()] if stop else tail
        if tail:
            found.append([tail[:n] for n in range(len(tail), 0, -1)])
        if len(found) >= MENTION_MAX:
            break
    return found


def mentioned_users(text: str, author: Any = None) -> list[Any]:
    """The active users a post mentions. Each "@" takes the longest following text that is a known
    username, or the display name of exactly one active user, so "@张三请看" finds 张三 and
    "@zhangsan，你好" finds zhangsan. One query for all mentions of a post."""
    groups = _mention_candidates(text)
    if not groups:
        return []
    names = {name for group in groups for name in group}
    users = list(get_user_model().objects.filter(is_active=True).filter(
        models.Q(username__in=names) | models.Q(name__in=names)).only("pk", "username", "name")[:500])
    by_username = {u.username: u for u in users}
    by_name: dict[str, list[Any]] = {}
    for u in users:
        if u.name:
            by_name.setdefault(u.name, []).append(u)
    chosen: dict[int, Any] = {}
    for group in groups:
        for name in group:
            user = by_username.get(name) or (by_name[name][0] if len(by_name.get(name, [])) == 1 else None)
            if user is not None:
                chosen.setdefault(user.pk, user)
                break
    return [u for pk, u in chosen.items() if author is None or pk != author.pk]


def _notify_mentions(thread: Thread, text: str, author: Any, *, already: str = "") -> None:
    before = {u.pk for u in mentioned_users(already, author)} if already else set()
    recipients = [u for u in mentioned_users(text, author) if u.pk not in before]
    if recipients:
        notify(
            recipients, "forum.mention",
            title=_("%(name)s mentioned you in the forum: %(title)s") % {"name": author.display_name,
                                                                        "title": thread.title},
            url=reverse("forum:thread", args=[thread.pk]),
        )


def _clean_board(data: dict[str, Any], board: Board | None = None) -> tuple[str, str, int]:
    name = _line(data.get("name"))
    description = _line(data.get("description"))
    errors: dict[str, list[str]] = {}
    _check_len(errors, "name", name, 2, BOARD_NAME_MAX)
    if len(description) > 200:
        errors["description"] = [_("The description can be at most %(max)d characters.") % {"max": 200}]
    same = Board.objects.filter(name=name)
    if board is not None:
        same = same.exclude(pk=board.pk)
    if not errors.get("name") and same.exists():
        errors["name"] = [_("A board with this name already exists.")]
    try:
        raw: Any = data.get("order")
        order = int(raw if raw not in (None, "") else 100)
        if not 0 <= order <= 100000:
            raise ValueError
    except (TypeError, ValueError):
        errors["order"] = [_("The order must be a whole number from 0 to 100000.")]
        order = 0
    if errors:
        raise ValidationError(errors)
    return name, description, order


def do_create_board(data: dict[str, Any], *, acting_user: ActingUser) -> Board:
    _require_manager(acting_user)
    name, description, order = _clean_board(data)
    with transaction.atomic():
        board = Board.objects.create(name=name, description=description, order=order)
        audit.record(acting_user, "forum.board_created", board, after={"name": name})
    return board


def do_update_board(board: Board, data: dict[str, Any], *, acting_user: ActingUser) -> Board:
    """Rename a board, change its description or its place in the list."""
    _require_manager(acting_user)
    name, description, order = _clean_board(data, board)
    with transaction.atomic():
        before = {"name": board.name, "description": board.description, "order": board.order}
        board.name, board.description, board.order = name, description, order
        board.save(update_fields=["name", "description", "order"])
        audit.record(acting_user, "forum.board_changed", board, before=before,
                     after={"name": name, "description": description, "order": order})
    return board


def do_set_board_archived(board: Board, archived: bool, *, acting_user: ActingUser) -> Board:
    """Archive a board (its threads disappear from the forum, nothing is deleted) or bring it back."""
    _require_manager(acting_user)
    if board.is_active != archived:
        raise ValidationError({"board": _("The board is already archived.") if archived
                               else _("The board is not archived.")})
    with transaction.atomic():
        board.is_active = not archived
        board.save(update_fields=["is_active"])
        audit.record(acting_user, "forum.board_archived" if archived else "forum.board_restored", board,
                     after={"is_active": board.is_active})
    return board


def do_add_board_moderator(board: Board, user: Any, *, acting_user: ActingUser) -> None:
    _require_manager(acting_user)
    if user is None or not getattr(user, "is_active", False):
        raise ValidationError({"username": _("No active account has this user name.")})
    if board.moderators.filter(pk=user.pk).exists():
        raise ValidationError({"username": _("This person already moderates the board.")})
    with transaction.atomic():
        board.moderators.add(user)
        audit.record(acting_user, "forum.moderator_added", board, after={"user": user.pk})


def do_remove_board_moderator(board: Board, user: Any, *, acting_user: ActingUser) -> None:
    _require_manager(acting_user)
    if user is None or not board.moderators.filter(pk=user.pk).exists():
        raise ValidationError({"username": _("This person does not moderate the board.")})
    with transaction.atomic():
        board.moderators.remove(user)
        audit.record(acting_user, "forum.moderator_removed", board, before={"user": user.pk})


def do_create_thread(board: Board, data: dict[str, Any], *, acting_user: ActingUser) -> Thread:
    """A signed-in user starts a thread. A post with a sensitive word is held hidden for moderation."""
    _require_poster(acting_user)
    if not board.is_active:
        raise ValidationError({"board": _("This board is closed.")})
    title = _line(data.get("title"))
    body = _clean_body(str(data.get("body") or ""))
    errors: dict[str, list[str]] = {}
    _check_len(errors, "title", title, TITLE_MIN, TITLE_MAX)
    _check_len(errors, "body", body, BODY_MIN, BODY_MAX)
    if errors:
        raise ValidationError(errors)
    _check_post_rate(acting_user)
    held = has_sensitive_word(title, body)
    with transaction.atomic():
        now = timezone.now()
        thread = Thread.objects.create(board=board, author=signed_in(acting_user), title=title, body=body, created_at=now,
                                       last_reply_at=now, is_hidden=held)
        audit.record(acting_user, "forum.thread_created", thread,
                     after={"board": board.pk, "title": title, "held": held})
        if not held:
            transaction.on_commit(lambda: _notify_mentions(thread, body, acting_user), robust=True)
            text_added("forum", record_of(thread))  # analysed on arrival (insight), after commit
    return thread


def do_create_reply(thread: Thread, data: dict[str, Any], *, acting_user: ActingUser) -> Reply:
    _require_poster(acting_user)
    body = _clean_body(str(data.get("body") or ""))
    errors: dict[str, list[str]] = {}
    _check_len(errors, "body", body, REPLY_MIN, REPLY_MAX)
    if errors:
        raise ValidationError(errors)
    if thread.is_locked:
        raise ValidationError({"body": _("This thread is locked: no new replies.")})
    _check_post_rate(acting_user)
    held = has_sensitive_word(body)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.is_locked:
            raise ValidationError({"body": _("This thread is locked: no new replies.")})
        if locked.is_deleted or (locked.is_hidden and locked.author_id != acting_user.pk
                                 and not can_moderate_board(acting_user, locked.board_id)):
            raise PermissionDenied(_("This thread is not available."))
        now = timezone.now()
        reply = Reply.objects.create(thread=locked, author=signed_in(acting_user), body=body, created_at=now, is_hidden=held)
        if not held:
            locked.reply_count += 1
            locked.last_reply_at = now
            locked.save(update_fields=["reply_count", "last_reply_at"])
        audit.record(acting_user, "forum.reply_created", reply, after={"thread": locked.pk, "held": held})
        if not held:
            transaction.on_commit(lambda: _notify_mentions(locked, body, acting_user), robust=True)
    return reply


def do_report_post(target: Thread | Reply, reason: str, *, acting_user: ActingUser) -> Report:
    _require_poster(acting_user)
    reason = _line(reason)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationError({"reason": _("The reason must be %(min)d to %(max)d characters long.")
                               % {"min": REASON_MIN, "max": REASON_MAX}})
    with transaction.atomic():
        kwargs: dict[str, Any] = {"thread": target} if isinstance(target, Thread) else {"reply": target}
        existing = Report.objects.filter(reporter=as_user(acting_user), resolved=False, **kwargs).first()
        if existing is not None:
            return existing
        report = Report.objects.create(reporter=signed_in(acting_user), reason=reason, **kwargs)
        audit.record(acting_user, "forum.post_reported", report,
                     after={"kind": "thread" if isinstance(target, Thread) else "reply", "target": target.pk,
                            "reason": reason})
    return report


_FLAGS = {"hide": ("is_hidden", True), "unhide": ("is_hidden", False), "lock": ("is_locked", True),
          "unlock": ("is_locked", False), "pin": ("is_pinned", True), "unpin": ("is_pinned", False)}
_THREAD_EVENTS = {"hide": "forum.thread_hide", "unhide": "forum.thread_unhide", "lock": "forum.thread_lock",
                  "unlock": "forum.thread_unlock", "pin": "forum.thread_pin", "unpin": "forum.thread_unpin"}


def do_moderate_thread(thread: Thread, op: str, *, acting_user: ActingUser) -> Thread:
    """hide/unhide, lock/unlock, pin/unpin a thread; hiding or unhiding resolves its open reports."""
    _require_moderator(acting_user, thread.board_id)
    if op not in _FLAGS:
        raise ValidationError({"op": _("Unknown moderation action.")})
    field, value = _FLAGS[op]
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if getattr(locked, field) == value:
            raise ValidationError({"op": _("The thread is already in that state.")})
        setattr(locked, field, value)
        locked.save(update_fields=[field])
        if field == "is_hidden":
            locked.reports.filter(resolved=False).update(resolved=True)
        audit.record(acting_user, _THREAD_EVENTS[op], locked, after={field: value})
    return locked


def do_moderate_reply(reply: Reply, op: str, *, acting_user: ActingUser) -> Reply:
    _require_moderator(acting_user, reply.thread.board_id)
    if op not in ("hide", "unhide"):
        raise ValidationError({"op": _("Unknown moderation action.")})
    value = op == "hide"
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=reply.thread_id)
        locked = Reply.objects.select_for_update().get(pk=reply.pk)
        if locked.is_hidden == value:
            raise ValidationError({"op": _("The reply is already in that state.")})
        locked.is_hidden = value
        locked.save(update_fields=["is_hidden"])
        _recount(thread)
        locked.reports.filter(resolved=False).update(resolved=True)
        audit.record(acting_user, "forum.reply_hide" if value else "forum.reply_unhide", locked,
                     after={"is_hidden": value})
    return locked


def do_resolve_report(report: Report, *, acting_user: ActingUser) -> Report:
    """Dismiss a report without changing the post."""
    post: Any = report.thread if report.thread_id else report.reply
    _require_moderator(acting_user, post.board_id if report.thread_id else post.thread.board_id)
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.resolved:
            raise ValidationError({"report": _("This report is already resolved.")})
        locked.resolved = True
        locked.save(update_fields=["resolved"])
        audit.record(acting_user, "forum.report_resolved", locked, after={"resolved": True})
    return locked


def do_turn_thread_into_opinion(thread: Thread, *, acting_user: ActingUser) -> Any:
    """A moderator turns a thread into an opinion sent by its author (idempotent: once only)."""
    _require_moderator(acting_user, thread.board_id)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.opinion_id is not None:
            return locked.opinion
        opinion = do_submit_opinion(
            {"kind": OpinionKind.SUGGESTION, "title": locked.title, "body": locked.body, "is_public": False},
            acting_user=locked.author,
        )
        locked.opinion = opinion
        locked.save(update_fields=["opinion"])
        audit.record(acting_user, "forum.thread_to_opinion", locked, after={"opinion": opinion.tracking_no})
    return opinion


# --- authors edit or delete their own posts -------------------------------------------------------

def _recount(thread: Thread) -> None:
    thread.reply_count = thread.replies.filter(is_hidden=False, is_deleted=False).count()
    thread.save(update_fields=["reply_count"])


def editable_until(post: Thread | Reply) -> dt.datetime:
    return post.created_at + edit_window()


def can_change_own(user: Any, post: Thread | Reply, now: dt.datetime | None = None) -> bool:
    """The author may still edit or delete this post (inside the window, not deleted, thread not locked)."""
    thread = post if isinstance(post, Thread) else post.thread
    return (getattr(user, "is_authenticated", False) and post.author_id == user.pk and not post.is_deleted
            and not thread.is_locked and (now or timezone.now()) <= editable_until(post))


def _require_own(user: Any, post: Thread | Reply) -> None:
    _require_poster(user)
    if post.author_id != user.pk:
        raise PermissionDenied(_("Only the author can change this post."))
    thread = post if isinstance(post, Thread) else post.thread
    if post.is_deleted:
        raise ValidationError({"body": _("This post has been deleted.")})
    if thread.is_locked:
        raise ValidationError({"body": _("This thread is locked: posts cannot be changed.")})
    if timezone.now() > editable_until(post):
        raise ValidationError({"body": _("Posts can be changed only within %(minutes)d minutes of posting.") % {
            "minutes": int(edit_window().total_seconds() // 60)}})


def do_edit_thread(thread: Thread, data: dict[str, Any], *, acting_user: ActingUser) -> Thread:
    """The author edits a thread in the window. The earlier text is kept (``PostRevision``), the new
    text is checked for sensitive words again (a hit hides the thread for review), and people newly
    mentioned are told."""
    title = _line(data.get("title"))
    body = _clean_body(str(data.get("body") or ""))
    errors: dict[str, list[str]] = {}
    _check_len(errors, "title", title, TITLE_MIN, TITLE_MAX)
    _check_len(errors, "body", body, BODY_MIN, BODY_MAX)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        _require_own(acting_user, locked)
        if (locked.title, locked.body) == (title, body):
            return locked
        old_body = locked.body
        PostRevision.objects.create(thread=locked, title=locked.title, body=locked.body, editor=as_user(acting_user))
        held = has_sensitive_word(title, body)
        locked.title, locked.body, locked.edited_at = title, body, timezone.now()
        locked.is_hidden = locked.is_hidden or held
        locked.save(update_fields=["title", "body", "edited_at", "is_hidden"])
        audit.record(acting_user, "forum.thread_edited", locked, after={"title": title, "held": held})
        if not locked.is_hidden:
            transaction.on_commit(lambda: _notify_mentions(locked, body, acting_user, already=old_body), robust=True)
    return locked


def do_edit_reply(reply: Reply, data: dict[str, Any], *, acting_user: ActingUser) -> Reply:
    body = _clean_body(str(data.get("body") or ""))
    errors: dict[str, list[str]] = {}
    _check_len(errors, "body", body, REPLY_MIN, REPLY_MAX)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=reply.thread_id)
        locked = Reply.objects.select_for_update().select_related("thread").get(pk=reply.pk)
        _require_own(acting_user, locked)
        if locked.body == body:
            return locked
        old_body = locked.body
        PostRevision.objects.create(reply=locked, body=locked.body, editor=as_user(acting_user))
        held = has_sensitive_word(body)
        was_hidden = locked.is_hidden
        locked.body, locked.edited_at = body, timezone.now()
        locked.is_hidden = was_hidden or held
        locked.save(update_fields=["body", "edited_at", "is_hidden"])
        if locked.is_hidden != was_hidden:
            _recount(thread)
        audit.record(acting_user, "forum.reply_edited", locked, after={"held": held})
        if not locked.is_hidden:
            transaction.on_commit(lambda: _notify_mentions(thread, body, acting_user, already=old_body), robust=True)
    return locked


def do_delete_thread(thread: Thread, *, acting_user: ActingUser) -> Thread:
    """The author withdraws a thread in the window; it disappears from the forum, the text stays in
    the database for moderators and the audit trail."""
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        _require_own(acting_user, locked)
        locked.is_deleted = True
        locked.save(update_fields=["is_deleted"])
        locked.reports.filter(resolved=False).update(resolved=True)
        audit.record(acting_user, "forum.thread_deleted", locked, after={"is_deleted": True})
    return locked


def do_delete_reply(reply: Reply, *, acting_user: ActingUser) -> Reply:
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=reply.thread_id)
        locked = Reply.objects.select_for_update().select_related("thread").get(pk=reply.pk)
        _require_own(acting_user, locked)
        locked.is_deleted = True
        locked.save(update_fields=["is_deleted"])
        _recount(thread)
        locked.reports.filter(resolved=False).update(resolved=True)
        audit.record(acting_user, "forum.reply_deleted", locked, after={"is_deleted": True})
    return locked
