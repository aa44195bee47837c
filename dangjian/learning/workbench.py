"""The party school on the workbench and the member home. Reads only."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.hooks import SearchHit, Todo
from dangjian.core.scoping import has_any
from dangjian.learning import MediaState
from dangjian.learning.models import Lesson, LessonProgress
from dangjian.learning.selectors import (
    MANAGE,
    courses_for,
    last_unfinished,
    managed_courses,
    plan_lessons,
    plans_of_member,
)


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def home_items(request: HttpRequest) -> list[dict[str, Any]]:
    """"Continue where you left off" on the member home (one query)."""
    row = last_unfinished(request.user)
    if row is None:
        return []
    minutes, seconds = divmod(int(row.position_s), 60)
    return [{"title": _("Continue learning: %(title)s") % {"title": row.lesson.title},
             "body": _("%(course)s · from %(m)d:%(s)02d") % {"course": row.lesson.course.title, "m": minutes,
                                                              "s": seconds}
             if row.lesson.timed else row.lesson.course.title,
             "url": reverse("learning:lesson", args=[row.lesson_id]), "order": 30}]


def plan_items(request: HttpRequest) -> list[dict[str, Any]]:
    """The nearest plan with lessons still to do (three queries)."""
    if not signed_in(request.user):
        return []
    today = timezone.localdate()
    plan = plans_of_member(request.user).filter(due_on__gte=today).first()
    if plan is None:
        return []
    lessons = plan_lessons(plan)
    if not lessons:
        return []
    done = set(LessonProgress.objects.filter(user_id=int(request.user.pk or 0), lesson__in=[x.pk for x in lessons],
                                             completed_at__isnull=False).values_list("lesson_id", flat=True))
    left = [x for x in lessons if x.pk not in done]
    if not left:
        return []
    return [{"title": _("Learning plan: %(title)s") % {"title": plan.title},
             "body": _("%(n)d lessons left, due %(date)s") % {"n": len(left), "date": f"{plan.due_on:%Y-%m-%d}"},
             "url": reverse("learning:lesson", args=[left[0].pk]), "order": 31}]


def may_manage(user: Any) -> bool:
    return signed_in(user) and has_any(user, MANAGE)


def _failed(user: Any) -> Any:
    return Lesson.objects.filter(media_state=MediaState.FAILED,
                                 course__in=managed_courses(user).values("pk")).select_related("course")


def failed_count(user: Any) -> int:
    return _failed(user).count()


def failed_items(user: Any, limit: int) -> list[Todo]:
    return [Todo(title=_("Upload the media of “%(title)s” again: its conversion failed") % {"title": x.title},
                 url=reverse("learning:lesson_edit", args=[x.pk]), urgent=True, ref=f"learning-media:{x.pk}")
            for x in _failed(user).order_by("-updated_at", "pk")[:limit]]


def find_courses(user: Any, q: str, limit: int) -> list[SearchHit]:
    q = q.strip()
    if not q or len(q) > 50:
        return []
    return [SearchHit(title=c.title, url=reverse("learning:course", args=[c.pk]), detail=c.organization.name)
            for c in courses_for(user).filter(title__icontains=q)[:limit]]


def points_items(request: HttpRequest) -> list[dict[str, Any]]:
    """"My points" on the member home, only where the member's organization has points on (three
    queries at most)."""
    from dangjian.learning import points

    effective = points.for_user(request.user)
    if effective is None or not effective.enabled:
        return []
    t = points.totals(request.user)
    return [{"title": _("My points: %(n)d this year") % {"n": t["year"]},
             "body": _("%(n)d today · how each point was earned") % {"n": t["today"]},
             "url": reverse("learning:points_mine"), "order": 32}]
