"""Statistics figures of the party school (``core.hooks.register_figure``): courses published by
the subtree's organizations, lessons completed this year by the subtree's members, and the
completion of the current learning plan (the share of the subtree's current members who finished
its lessons, drilling to those who did)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.core.hooks import Figure, register_figure
from dangjian.core.scoping import subtree_q
from dangjian.core.stats import Number, rate
from dangjian.learning import CourseStatus
from dangjian.learning.models import Course, LearningPlan, Lesson, LessonProgress
from dangjian.learning.selectors import ancestor_paths

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


def current_plan(org_path: str, as_of: dt.date) -> LearningPlan | None:
    """The plan that applies at ``org_path`` on ``as_of``: of the organization or one above it,
    made by then, the one due soonest from that day on — or else the one due last before it."""
    plans = LearningPlan.objects.filter(org_path__in=ancestor_paths(org_path), created_at__lt=_end(as_of))
    return (plans.filter(due_on__gte=as_of).order_by("due_on", "pk").first()
            or plans.filter(due_on__lt=as_of).order_by("-due_on", "-pk").first())


def _current_members(org_path: str) -> Any:
    from dangjian.members import CURRENT_STATUSES
    from dangjian.members.models import Member

    return Member.objects.filter(subtree_q(org_path, "org_path"), status__in=CURRENT_STATUSES)


def plan_finished(org_path: str, as_of: dt.date) -> QuerySet[Any]:
    """Current members of the subtree who had completed every published lesson of the current
    plan by the end of ``as_of`` (membership as it stands today)."""
    members = _current_members(org_path).select_related("person", "organization").order_by("org_path", "pk")
    plan = current_plan(org_path, as_of)
    lessons = list(Lesson.objects.filter(course__plan_items__plan=plan, course__status=CourseStatus.PUBLISHED)
                   .values_list("pk", flat=True)) if plan else []
    if not lessons:
        return members.none()
    done = (LessonProgress.objects.filter(lesson__in=lessons, completed_at__lt=_end(as_of)).values("user_id")
            .annotate(n=Count("pk")).filter(n__gte=len(lessons)).values("user_id"))
    return members.filter(Q(person__user_id__in=done))


def plan_completion(org_path: str, as_of: dt.date) -> Number:
    """Per cent of the subtree's current members who finished the current plan (None: no plan)."""
    if current_plan(org_path, as_of) is None:
        return None
    return rate(plan_finished(org_path, as_of).count(), _current_members(org_path).count())


def finished_row(m: Any) -> dict[str, Any]:
    return {"name": m.person.name, "organization": m.organization.name}


FIGURES = (
    Figure(key="learning.courses", label=_("Published party-school courses"), module="learning", unit=_("courses"),
           perm=PERM, rows=courses, row=course_row, order=10,
           columns=(("title", _("Title")), ("organization", _("Organization")), ("published", _("Published")))),
    Figure(key="learning.lessons_completed", label=_("Lessons completed by members this year"), module="learning",
           unit=_("lessons"), perm=PERM, rows=completed, row=completed_row, path_field=MEMBER_PATH, order=20,
           columns=(("name", _("Name")), ("organization", _("Organization")), ("lesson", _("Lesson")),
                    ("course", _("Course")), ("completed", _("Completed on")))),
    Figure(key="learning.plan_finished", label=_("Members who finished the current learning plan"),
           module="learning", unit=_("members"), perm=PERM, rows=plan_finished, row=finished_row, order=30,
           history=False, columns=(("name", _("Name")), ("organization", _("Organization"))),
           description=_("The plan of the organization or the nearest above it due soonest; completions up to "
                         "the date, membership as it is today.")),
    Figure(key="learning.plan_completion", label=_("Completion of the current learning plan"), module="learning",
           unit="%", perm=PERM, value=plan_completion, drill="learning.plan_finished", order=31, history=False,
           description=_("Share of the current members who completed every lesson of the current plan.")),
)


def register() -> None:
    for figure in FIGURES:
        register_figure(figure)
