"""The cheap answer to a follower's poll when nothing is new (decision 0008, amended).

Almost every poll of a live room finds nothing new. Two cache entries let the feed say so
(``204 No Content``) without the access check's queries or building a body:

- ``head``: the room's newest message id and its ``version`` (``Lecture.head``/``version``).
  Writers delete it in their transaction and *set* it after their commit from the committed row
  (``publish_on_commit``); a poll that read the row itself only *adds* it (``remember``), so an
  older read never overwrites a newer write. Two
  writers committing at once could still leave the older pair last; the entry lives
  ``HEAD_TTL`` seconds, which bounds that (rare) delay.
- ``pass``: this user passed ``access_lecture`` for this lecture within ``PASS_TTL`` seconds
  (set only after the full check succeeded; never a refusal). What it lets through is only
  "nothing new since the id you already have": anything new, a changed version (start, end,
  pins) or a cold cache goes through the full check again. A member who left the audience learns,
  for at most ``PASS_TTL`` seconds, that nothing was posted — nothing else.

The session and the account are still read by the middleware (login is required first)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

HEAD_TTL = 10
PASS_TTL = 60


def _head_key(lecture_id: int) -> str:
    return f"lectures:head:{lecture_id}"


def _pass_key(lecture_id: int, user_id: Any) -> str:
    return f"lectures:pass:{lecture_id}:{user_id}"


def nothing_new(lecture_id: int, user_id: Any, after: int, version: int) -> bool:
    """Whether the cache alone shows that ``user_id`` (recently allowed in) has everything: the
    head at or below ``after`` and the same ``version``. False whenever in doubt."""
    found = cache.get_many([_head_key(lecture_id), _pass_key(lecture_id, user_id)])
    head = found.get(_head_key(lecture_id))
    return (_pass_key(lecture_id, user_id) in found and head is not None
            and after >= head[0] and version == head[1])


def remember(lecture: Any, user_id: Any) -> None:
    """After a full check of ``user_id`` on ``lecture`` (the row as this request read it)."""
    cache.add(_head_key(lecture.pk), (lecture.head, lecture.version), HEAD_TTL)
    cache.set(_pass_key(lecture.pk, user_id), 1, PASS_TTL)


def publish(lecture_id: int) -> None:
    """After a commit that changed the room's head or version: the committed values."""
    from dangjian.learning.lectures.models import Lecture

    row = Lecture.objects.filter(pk=lecture_id).values_list("head", "version").first()
    if row is None:
        cache.delete(_head_key(lecture_id))
    else:
        cache.set(_head_key(lecture_id), tuple(row), HEAD_TTL)


def publish_on_commit(lecture_id: int) -> None:
    """Inside the writer's transaction: forget the head now (so no poll answers "nothing new"
    from the old entry, even where the commit is never reached, as in a test's transaction) and
    set the committed one after the commit (a poll that re-added the old pair meanwhile is
    overwritten)."""
    from django.db import transaction

    cache.delete(_head_key(lecture_id))
    transaction.on_commit(lambda: publish(lecture_id))
