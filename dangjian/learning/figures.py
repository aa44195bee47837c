"""Statistics figures of the party school (``core.hooks.register_figure``): courses published by
the subtree's organizations, and lessons completed this year by the subtree's members."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.hooks import Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.learning import CourseStatus
from dangjian.learning.models import Course, LessonProgress

PERM = "learning.manage"
MEMBER_PATH = "user__person__member__org_path"


def _end(as_of: dt.date) -> dt.datetime:
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())


def courses(org_path: str, as_of: dt.date) -> QuerySet[Course]:
    return (Course.objects.filter(subtree_q(org_path, "org_path"), status=CourseStatus.PUBLISHED,
                                  published_at__lt=_end(as_of)).select_related("organization")
            .order_by("-published_at", "-pk"))


def completed(org_path: str, as_of: dt.date) -> QuerySet[LessonProgress]:
    start = dt.datetime(as_of.year, 1, 1, tzinfo=timezone.get_current_timezone())
    return (LessonProgress.objects.filter(subtree_q(org_path, MEMBER_PATH), completed_at__gte=start,
                                          completed_at__lt=_end(as_of))
            .select_related("lesson__course", "user__person__member__organization").order_by("-completed_at", "-pk"))


def course_row(c: Course) -> dict[str, Any]:
    return {"title": c.title, "organization": c.organization.name, "published": c.published_at,
            "url": reverse("learning:course_edit", args=[c.pk])}


def completed_row(p: LessonProgress) -> dict[str, Any]:
    member = p.user.person.member
    return {"name": member.person.name, "organization": member.organization.name, "lesson": p.lesson.title,
            "course": p.lesson.course.title, "completed": p.completed_at}


FIGURES = (
    Figure(key="learning.courses", label=_("Published party-school courses"), module="learning", unit=_("courses"),
           perm=PERM, rows=courses, row=course_row, order=10,
           columns=(("title", _("Title")), ("organization", _("Organization")), ("published", _("Published")))),
    Figure(key="learning.lessons_completed", label=_("Lessons completed by members this year"), module="learning",
           unit=_("lessons"), perm=PERM, rows=completed, row=completed_row, path_field=MEMBER_PATH, order=20,
           columns=(("name", _("Name")), ("organization", _("Organization")), ("lesson", _("Lesson")),
                    ("course", _("Course")), ("completed", _("Completed on")))),
)


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
