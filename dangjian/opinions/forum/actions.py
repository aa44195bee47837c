"""Writes for the forum: boards, threads, replies, mentions, reports, moderation, thread → opinion."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.notifications import notify
from dangjian.core.scoping import has_any
from dangjian.opinions import OpinionKind
from dangjian.opinions.actions import _clean_body, do_submit_opinion
from dangjian.opinions.forum.models import Board, Reply, Report, Thread

MODERATE = "forum.moderate"
TITLE_MIN, TITLE_MAX = 4, 100
BODY_MIN, BODY_MAX = 10, 2000
REPLY_MIN, REPLY_MAX = 2, 2000
REASON_MIN, REASON_MAX = 2, 200
BOARD_NAME_MAX = 50
MENTION_MAX = 10
DEFAULT_SENSITIVE_WORDS = ("法轮功", "赌博", "代开发票", "枪支", "毒品")
MENTION_RE = re.compile(r"@([\w.@+-]{1,150})")


def sensitive_words() -> list[str]:
    config: dict[str, Any] = getattr(settings, "DANGJIAN", {}).get("FORUM") or {}
    words = config.get("SENSITIVE_WORDS")
    if words is None:
        words = DEFAULT_SENSITIVE_WORDS
    return [w.strip().lower() for w in words if w and w.strip()]


def has_sensitive_word(*texts: str) -> bool:
    text = " ".join(texts).lower()
    return any(w in text for w in sensitive_words())


def can_moderate(user: Any) -> bool:
    return has_any(user, MODERATE)


def _require_moderator(user: Any) -> None:
    if not can_moderate(user):
        raise PermissionDenied(_("Only forum moderators can do this."))


def _require_poster(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("Sign in to post in the forum."))


def _line(value: Any) -> str:
    return " ".join(str(value or "").split())


def _check_len(errors: dict[str, list[str]], field: str, value: str, lo: int, hi: int) -> None:
    if not lo <= len(value) <= hi:
        errors[field] = [_("This must be %(min)d to %(max)d characters long.") % {"min": lo, "max": hi}]


def _mentioned_users(text: str, author: Any) -> list[Any]:
    names = list(dict.fromkeys(MENTION_RE.findall(text)))[:MENTION_MAX]
    if not names:
        return []
    qs = get_user_model().objects.filter(username__in=names, is_active=True).exclude(pk=author.pk)
    return list(qs)


def _notify_mentions(thread: Thread, text: str, author: Any) -> None:
    recipients = _mentioned_users(text, author)
    if recipients:
        notify(
            recipients, "forum.mention",
            title=_("%(name)s mentioned you in the forum: %(title)s") % {"name": author.display_name,
                                                                        "title": thread.title},
            url=reverse("forum:thread", args=[thread.pk]),
        )


def do_create_board(data: dict[str, Any], *, acting_user: Any) -> Board:
    _require_moderator(acting_user)
    name = _line(data.get("name"))
    description = _line(data.get("description"))
    errors: dict[str, list[str]] = {}
    _check_len(errors, "name", name, 2, BOARD_NAME_MAX)
    if len(description) > 200:
        errors["description"] = [_("The description can be at most %(max)d characters.") % {"max": 200}]
    if not errors.get("name") and Board.objects.filter(name=name).exists():
        errors["name"] = [_("A board with this name already exists.")]
    if errors:
        raise ValidationError(errors)
    try:
        order = int(data.get("order") or 100)
    except (TypeError, ValueError):
        raise ValidationError({"order": _("The order must be a whole number.")}) from None
    with transaction.atomic():
        board = Board.objects.create(name=name, description=description, order=max(order, 0))
        audit.record(acting_user, "forum.board_created", board, after={"name": name})
    return board


def do_create_thread(board: Board, data: dict[str, Any], *, acting_user: Any) -> Thread:
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
    held = has_sensitive_word(title, body)
    with transaction.atomic():
        now = timezone.now()
        thread = Thread.objects.create(board=board, author=acting_user, title=title, body=body, created_at=now,
                                       last_reply_at=now, is_hidden=held)
        audit.record(acting_user, "forum.thread_created", thread,
                     after={"board": board.pk, "title": title, "held": held})
        if not held:
            transaction.on_commit(lambda: _notify_mentions(thread, body, acting_user), robust=True)
    return thread


def do_create_reply(thread: Thread, data: dict[str, Any], *, acting_user: Any) -> Reply:
    _require_poster(acting_user)
    body = _clean_body(str(data.get("body") or ""))
    errors: dict[str, list[str]] = {}
    _check_len(errors, "body", body, REPLY_MIN, REPLY_MAX)
    if errors:
        raise ValidationError(errors)
    held = has_sensitive_word(body)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.is_locked:
            raise ValidationError({"body": _("This thread is locked: no new replies.")})
        if locked.is_hidden and locked.author_id != acting_user.pk and not can_moderate(acting_user):
            raise PermissionDenied(_("This thread is not available."))
        now = timezone.now()
        reply = Reply.objects.create(thread=locked, author=acting_user, body=body, created_at=now, is_hidden=held)
        if not held:
            locked.reply_count += 1
            locked.last_reply_at = now
            locked.save(update_fields=["reply_count", "last_reply_at"])
        audit.record(acting_user, "forum.reply_created", reply, after={"thread": locked.pk, "held": held})
        if not held:
            transaction.on_commit(lambda: _notify_mentions(locked, body, acting_user), robust=True)
    return reply


def do_report_post(target: Thread | Reply, reason: str, *, acting_user: Any) -> Report:
    _require_poster(acting_user)
    reason = _line(reason)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationError({"reason": _("The reason must be %(min)d to %(max)d characters long.")
                               % {"min": REASON_MIN, "max": REASON_MAX}})
    with transaction.atomic():
        kwargs: dict[str, Any] = {"thread": target} if isinstance(target, Thread) else {"reply": target}
        existing = Report.objects.filter(reporter=acting_user, resolved=False, **kwargs).first()
        if existing is not None:
            return existing
        report = Report.objects.create(reporter=acting_user, reason=reason, **kwargs)
        audit.record(acting_user, "forum.post_reported", report,
                     after={"kind": "thread" if isinstance(target, Thread) else "reply", "target": target.pk,
                            "reason": reason})
    return report


_FLAGS = {"hide": ("is_hidden", True), "unhide": ("is_hidden", False), "lock": ("is_locked", True),
          "unlock": ("is_locked", False), "pin": ("is_pinned", True), "unpin": ("is_pinned", False)}


def do_moderate_thread(thread: Thread, op: str, *, acting_user: Any) -> Thread:
    """hide/unhide, lock/unlock, pin/unpin a thread; hiding or unhiding resolves its open reports."""
    _require_moderator(acting_user)
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
        audit.record(acting_user, f"forum.thread_{op}", locked, after={field: value})
    return locked


def do_moderate_reply(reply: Reply, op: str, *, acting_user: Any) -> Reply:
    _require_moderator(acting_user)
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
        thread.reply_count = thread.replies.filter(is_hidden=False).count()
        thread.save(update_fields=["reply_count"])
        locked.reports.filter(resolved=False).update(resolved=True)
        audit.record(acting_user, f"forum.reply_{op}", locked, after={"is_hidden": value})
    return locked


def do_resolve_report(report: Report, *, acting_user: Any) -> Report:
    """Dismiss a report without changing the post."""
    _require_moderator(acting_user)
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.resolved:
            raise ValidationError({"report": _("This report is already resolved.")})
        locked.resolved = True
        locked.save(update_fields=["resolved"])
        audit.record(acting_user, "forum.report_resolved", locked, after={"resolved": True})
    return locked


def do_turn_thread_into_opinion(thread: Thread, *, acting_user: Any) -> Any:
    """A moderator turns a thread into an opinion sent by its author (idempotent: once only)."""
    _require_moderator(acting_user)
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
