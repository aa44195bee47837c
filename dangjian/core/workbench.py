"""The workbench's own data: recently opened records, pinned pages and the daily to-do digest.

Writes are actions (``do_*``). Recents and pins are a person's own screen state: no audit
event, nobody else's rows can be touched. A page opens a record with::

    from dangjian.core.workbench import note_visit
    note_visit(request, member.person.name, kind="member")
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core import workdays
from dangjian.core.actors import ActingUser
from dangjian.core.models import PinnedItem, RecentItem, TodoDigest, User
from dangjian.core.notifications import notify, register_kind
from dangjian.core.roles import STAFF_ROLES
from dangjian.core.todos import todos_for

log = logging.getLogger(__name__)

RECENT_KEEP = 10
PIN_MAX = 20
TITLE_MAX = 200
PATH_MAX = 300
DIGEST_KIND = "todo.digest"

register_kind(DIGEST_KIND, gettext_lazy("Daily to-do digest"))


def clean_path(value: Any) -> str:
    """A page of this site: a local path that resolves, without query or fragment (a query
    could hold what someone searched for)."""
    text = str(value or "").strip()
    parts = urlsplit(text)
    if (not text.startswith("/") or text.startswith("//") or "\\" in text or parts.scheme or parts.netloc
            or len(parts.path) > PATH_MAX):
        raise ValidationError({"path": _("Give a page of this site (a path starting with “/”).")})
    try:
        resolve(parts.path)
    except Resolver404:
        raise ValidationError({"path": _("This page does not exist.")}) from None
    return parts.path


def clean_title(value: Any) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise ValidationError({"title": _("A title is required.")})
    return text[:TITLE_MAX]


def _own(user: Any, acting_user: ActingUser) -> None:
    if acting_user is None or not getattr(acting_user, "is_authenticated", False) or acting_user.pk != user.pk:
        raise PermissionDenied(_("You may only change your own workbench."))


def do_note_visit(user: User, *, path: str, title: str, kind: str = "", acting_user: ActingUser) -> RecentItem:
    """Put ``path`` first among ``user``'s recent items (keeping the last ``RECENT_KEEP``)."""
    _own(user, acting_user)
    path, title = clean_path(path), clean_title(title)
    with transaction.atomic():
        item, _created = RecentItem.objects.update_or_create(
            user=user, path=path, defaults={"title": title, "kind": kind[:40], "visited_at": timezone.now()})
        stale = list(RecentItem.objects.filter(user=user).order_by("-visited_at", "-pk")
                     .values_list("pk", flat=True)[RECENT_KEEP:RECENT_KEEP + 50])
        if stale:
            RecentItem.objects.filter(pk__in=stale).delete()
    return item


def note_visit(request: HttpRequest, title: str, *, kind: str = "") -> None:
    """What a record page calls: remember it among the signed-in user's recent items. Never
    breaks the page (a failure is logged without the title, which may be a person's name)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.method != "GET":
        return
    try:
        do_note_visit(user, path=request.path, title=title, kind=kind, acting_user=user)
    except Exception:
        log.exception("could not note a recent item (kind %s)", kind or "-")


def do_pin(user: User, *, path: str, title: str, acting_user: ActingUser) -> PinnedItem:
    _own(user, acting_user)
    path, title = clean_path(path), clean_title(title)
    with transaction.atomic():
        existing = PinnedItem.objects.filter(user=user, path=path).first()
        if existing is not None:
            return existing
        if PinnedItem.objects.filter(user=user).count() >= PIN_MAX:
            raise ValidationError({"path": _("You can pin at most %(n)d pages; unpin one first.") % {"n": PIN_MAX}})
        return PinnedItem.objects.create(user=user, path=path, title=title)


def do_unpin(user: User, *, path: str, acting_user: ActingUser) -> int:
    _own(user, acting_user)
    deleted, _rows = PinnedItem.objects.filter(user=user, path=str(path or "").split("?")[0]).delete()
    return deleted


def recent_items(user: Any) -> QuerySet[RecentItem]:
    return RecentItem.objects.filter(user=user).order_by("-visited_at", "-pk")[:RECENT_KEEP]


def pinned_items(user: Any) -> QuerySet[PinnedItem]:
    return PinnedItem.objects.filter(user=user).order_by("pinned_at", "pk")


def is_pinned(user: Any, path: str) -> bool:
    return PinnedItem.objects.filter(user=user, path=path).exists()


def digest_recipients() -> QuerySet[User]:
    """Active users holding a back-office role on an organization."""
    return (User.objects.filter(is_active=True, role_assignments__role__in=STAFF_ROLES,
                                role_assignments__organization__isnull=False)
            .distinct().order_by("pk"))


def do_send_todo_digest(user: User, *, day: dt.date | None = None) -> bool:
    """Send ``user`` the day's digest of open to-dos, through the notification preferences
    (kind ``todo.digest``); the system sends it, so no acting user. At most one a day: the ``TodoDigest`` row for (user, day) is written
    in the same transaction, and a second call that day does nothing. No digest without items."""
    day = day or timezone.localdate()
    if TodoDigest.objects.filter(user=user, day=day).exists():
        return False
    todos = todos_for(user, limit=5)
    if not todos.total:
        return False
    overdue = sum(1 for t in todos.items if t.due is not None and t.due < day)
    with translation.override(user.language or None):
        title = _("You have %(n)d open to-dos") % {"n": todos.total}
        if overdue:
            title += _(" (%(n)d overdue)") % {"n": overdue}
        lines = [f"· {t.title}" + (f"（{t.org}）" if t.org else "") for t in todos.items[:5]]
        body = "\n".join(lines)
    try:
        with transaction.atomic():
            TodoDigest.objects.create(user=user, day=day, items=todos.total)
            notify(user, DIGEST_KIND, title=title, body=body, url=reverse("core:todos"))
    except IntegrityError:  # a concurrent run sent it first
        return False
    return True


def send_todo_digests(day: dt.date | None = None) -> int:
    """The daily job: one digest per back-office user with open to-dos, on working days only
    (the official calendar). Returns how many went."""
    day = day or timezone.localdate()
    if not workdays.is_workday(day):
        return 0
    sent = 0
    for user in digest_recipients().iterator(chunk_size=200):
        try:
            sent += do_send_todo_digest(user, day=day)
        except Exception:
            log.exception("to-do digest for user %s failed", user.pk)
    return sent
