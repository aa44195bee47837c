"""Every read of live lectures, scoped through core.scoping.

A lecture of an organization is open to the party members of its subtree (the audience), to its
lecturer, and to the editors (``lectures.manage``) whose scope holds it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.core.ownmember import own_member
from dangjian.core.scoping import get_scoped_or_404, has_any, scoped
from dangjian.learning.lectures.models import Lecture, Message
from dangjian.members import MemberStatus

MANAGE = "lectures.manage"
STEP = 4  # one step of the organization tree's materialized path (orgs.Organization.steplen)
ACTIVE_MEMBER = (MemberStatus.FULL, MemberStatus.PROBATIONARY)
MAX_BATCH = 200


def ancestor_paths(path: str) -> list[str]:
    return [path[:i] for i in range(STEP, len(path) + 1, STEP)]


def may_manage(user: Any) -> bool:
    return has_any(user, MANAGE)


def audience_q(user: Any) -> Q:
    """Lectures ``user`` follows as a member of the audience (their organization or one above)."""
    member = own_member(user)
    if member is None or member.status not in ACTIVE_MEMBER:
        return Q(pk__in=[])
    return Q(org_path__in=ancestor_paths(member.org_path))


def lectures_for(user: Any) -> QuerySet[Lecture]:
    if not getattr(user, "is_authenticated", False):
        return Lecture.objects.none()
    qs = Lecture.objects.select_related("organization", "lecturer")
    return scoped(qs, user, MANAGE, path_field="org_path", extra=audience_q(user) | Q(lecturer=user))


def access_lecture(user: Any, lecture_id: Any) -> Lecture:
    try:
        return lectures_for(user).get(pk=int(lecture_id))
    except (Lecture.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def managed_lectures(user: Any) -> QuerySet[Lecture]:
    return scoped(Lecture.objects.select_related("organization", "lecturer"), user, MANAGE, path_field="org_path")


def access_managed_lecture(user: Any, lecture_id: Any) -> Lecture:
    return get_scoped_or_404(Lecture.objects.select_related("organization", "lecturer"), user, MANAGE,
                             path_field="org_path", pk=lecture_id)


def is_lecturer(user: Any, lecture: Lecture) -> bool:
    return getattr(user, "pk", None) is not None and lecture.lecturer_id == user.pk


def messages_after(lecture: Lecture, after: int = 0, limit: int = MAX_BATCH) -> list[Message]:
    """The room's messages after id ``after``, oldest first (one indexed query)."""
    return list(Message.objects.filter(lecture=lecture, pk__gt=after).order_by("pk")[:limit])


def pinned_ids(lecture: Lecture) -> list[int]:
    return list(Message.objects.filter(lecture=lecture, pinned=True).order_by("pk").values_list("pk", flat=True))


def sees_lectures(user: Any) -> bool:
    """Whether the navigation shows live lectures to ``user``: a party member or an editor (no
    query of its own: it runs on every page). A lecturer who is neither is told of the lecture,
    with its room's link, when it is created."""
    return own_member(user) is not None or may_manage(user)


def gives_lectures(user: Any) -> bool:
    """Whether ``user`` is the lecturer of any lecture (one query)."""
    return Lecture.objects.filter(lecturer_id=getattr(user, "pk", None)).exists()
