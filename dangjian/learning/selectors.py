"""Every read of the party school, scoped through core.scoping.

- A learner sees published courses that are public, or belong to their organization or one above
  it (a county course reaches every branch of the county). Staff with ``learning.manage`` also see
  the published courses of their scope and of the organizations above it.
- Editors (``learning.manage``) see every course and plan of their scope, drafts too.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dangjian.core.ownmember import own_member
from dangjian.core.scoping import ALL, get_scoped_or_404, scope_paths, scoped, subtrees_q
from dangjian.learning import CourseStatus, Visibility
from dangjian.learning.models import Course, LearningPlan, Lesson, LessonProgress, PlanCourse
from dangjian.orgs.models import Organization

MANAGE = "learning.manage"


def ancestor_paths(path: str) -> list[str]:
    """``path`` and the paths of its ancestors."""
    step = Organization.steplen
    return [path[:n] for n in range(len(path), 0, -step)]


def learner_q(user: Any) -> Q | None:
    """Which published courses ``user`` may learn (None: all of them)."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    roots = scope_paths(user, MANAGE)
    if roots is ALL:
        return None
    paths: set[str] = set()
    member = own_member(user)
    if member is not None:
        paths.update(ancestor_paths(member.org_path))
    for root in roots:  # type: ignore[union-attr]
        paths.update(ancestor_paths(root))
    q = Q(visibility=Visibility.PUBLIC) | Q(org_path__in=sorted(paths))
    if roots:
        q |= subtrees_q(roots, "org_path")  # type: ignore[arg-type]
    return q


def courses_for(user: Any) -> QuerySet[Course]:
    """Published courses ``user`` may learn, newest first."""
    qs = Course.objects.filter(status=CourseStatus.PUBLISHED).select_related("organization")
    q = learner_q(user)
    return qs if q is None else qs.filter(q)


def with_lessons(qs: QuerySet[Course]) -> QuerySet[Course]:
    return qs.prefetch_related(Prefetch("lessons", queryset=Lesson.objects.order_by("order", "pk")))


def access_course(user: Any, course_id: Any) -> Course:
    try:
        return courses_for(user).get(pk=int(course_id))
    except (Course.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def lessons_for(user: Any) -> QuerySet[Lesson]:
    """Lessons of the courses ``user`` may learn."""
    qs = Lesson.objects.filter(course__status=CourseStatus.PUBLISHED).select_related("course")
    q = learner_q(user)
    if q is None:
        return qs
    return qs.filter(course__in=Course.objects.filter(q).values("pk"))


def access_lesson(user: Any, lesson_id: Any) -> Lesson:
    """A lesson ``user`` may learn, or 404 (the same answer for one that does not exist)."""
    try:
        return lessons_for(user).get(pk=int(lesson_id))
    except (Lesson.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def managed_courses(user: Any) -> QuerySet[Course]:
    return scoped(Course.objects.select_related("organization"), user, MANAGE, path_field="org_path")


def access_managed_course(user: Any, course_id: Any) -> Course:
    return get_scoped_or_404(Course.objects.select_related("organization"), user, MANAGE, path_field="org_path",
                             pk=course_id)


def access_managed_lesson(user: Any, lesson_id: Any) -> Lesson:
    lesson = Lesson.objects.select_related("course").filter(pk=lesson_id if str(lesson_id).isdigit() else 0).first()
    if lesson is None:
        raise Http404(_("Not found."))
    access_managed_course(user, lesson.course_id)
    return lesson


def managed_plans(user: Any) -> QuerySet[LearningPlan]:
    return scoped(LearningPlan.objects.select_related("organization"), user, MANAGE, path_field="org_path")


def access_managed_plan(user: Any, plan_id: Any) -> LearningPlan:
    return get_scoped_or_404(LearningPlan.objects.select_related("organization"), user, MANAGE,
                             path_field="org_path", pk=plan_id)


def adoptable_courses(plan: LearningPlan) -> QuerySet[Course]:
    """Published courses the plan's organization may take into its plan: its own, those of the
    organizations above it, and public ones; not already in the plan."""
    return (Course.objects.filter(Q(org_path__in=ancestor_paths(plan.org_path)) | Q(visibility=Visibility.PUBLIC),
                                  status=CourseStatus.PUBLISHED)
            .exclude(pk__in=PlanCourse.objects.filter(plan=plan).values("course_id"))
            .select_related("organization").order_by("-published_at", "-pk"))


def plan_courses(plan: LearningPlan) -> list[Course]:
    return [i.course for i in plan.items.select_related("course__organization").order_by("pk")]


def progress_of(user: Any, lessons: list[Lesson]) -> dict[int, LessonProgress]:
    """The user's progress on each of ``lessons`` (one query)."""
    if not getattr(user, "is_authenticated", False) or not lessons:
        return {}
    return {p.lesson_id: p for p in LessonProgress.objects.filter(user=user, lesson__in=[x.pk for x in lessons])}


def plans_of_member(user: Any) -> QuerySet[LearningPlan]:
    """Plans that apply to ``user``: those of their organization and the ones above it."""
    member = own_member(user)
    if member is None:
        return LearningPlan.objects.none()
    return LearningPlan.objects.filter(org_path__in=ancestor_paths(member.org_path)).order_by("due_on", "pk")


def last_unfinished(user: Any) -> LessonProgress | None:
    """The lesson ``user`` last worked on and has not finished (for "continue where you left off")."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (LessonProgress.objects.filter(user=user, completed_at__isnull=True,
                                          lesson__course__status=CourseStatus.PUBLISHED)
            .select_related("lesson__course").order_by("-updated_at").first())


def coverage_of(lesson: Lesson, row: LessonProgress | None) -> float:
    """The share of ``lesson`` that ``row`` (a learner's progress, or None) really covers, 0–1."""
    from dangjian.learning import progress

    if row is None:
        return 0.0
    return progress.coverage(progress.state_of(row), timed=lesson.timed, duration=lesson.duration_s,
                             page_count=lesson.page_count, page_seconds=lesson.seconds_per_page())


def plan_lessons(plan: LearningPlan) -> list[Lesson]:
    """The lessons of the plan's published courses (one query)."""
    return list(Lesson.objects.filter(course__plan_items__plan=plan, course__status=CourseStatus.PUBLISHED)
                .select_related("course").order_by("course_id", "order", "pk"))


def plan_report(plan: LearningPlan) -> dict[str, Any]:
    """Each current member of the plan's subtree: lessons of the plan completed, the time of the
    lessons really seen (covered minutes, not time online), finished or not; and per
    organization: members, finished, rate; and per lesson of the plan: how many of those members
    started it, completed it, and the share completed. Three queries whatever the size."""
    from dangjian.core.scoping import subtree_q
    from dangjian.members import CURRENT_STATUSES
    from dangjian.members.models import Member

    lessons = plan_lessons(plan)
    members = list(Member.objects.filter(subtree_q(plan.org_path, "org_path"), status__in=CURRENT_STATUSES)
                   .select_related("person", "organization").only("pk", "org_path", "person__name",
                                                                 "person__user_id", "organization__name")
                   .order_by("org_path", "person__name", "pk")[:20_000])
    users = [m.person.user_id for m in members if m.person.user_id]
    done: dict[int, int] = {}
    seconds: dict[int, float] = {}
    started: dict[int, int] = {}     # lesson → members with progress on it
    completed_by: dict[int, int] = {}  # lesson → members who completed it
    if lessons and users:
        for user_id, lesson_id, completed, covered, pages in LessonProgress.objects.filter(
                lesson__in=[x.pk for x in lessons], user_id__in=users).values_list(
                "user_id", "lesson_id", "completed_at", "covered_s", "pages"):
            done[user_id] = done.get(user_id, 0) + (1 if completed else 0)
            seconds[user_id] = seconds.get(user_id, 0.0) + covered + sum((pages or {}).values())
            started[lesson_id] = started.get(lesson_id, 0) + 1
            completed_by[lesson_id] = completed_by.get(lesson_id, 0) + (1 if completed else 0)
    total = len(lessons)
    rows: list[dict[str, Any]] = []
    orgs: dict[str, dict[str, Any]] = {}
    for m in members:
        uid = m.person.user_id
        n = done.get(uid, 0) if uid else 0
        finished = total > 0 and n >= total
        rows.append({"member": m, "name": m.person.name, "organization": m.organization.name, "user_id": uid,
                     "completed": n, "total": total, "minutes": round(seconds.get(uid, 0.0) / 60, 1) if uid else 0,
                     "finished": finished, "has_account": bool(uid)})
        o = orgs.setdefault(m.organization.name, {"organization": m.organization.name, "members": 0, "finished": 0})
        o["members"] += 1
        o["finished"] += 1 if finished else 0
    for o in orgs.values():
        o["rate"] = round(o["finished"] * 100 / o["members"], 1) if o["members"] else 0.0
    finished_count = sum(1 for r in rows if r["finished"])
    by_lesson = [{"lesson": x, "title": x.title, "course": x.course.title, "kind": x.get_kind_display(),
                  "started": started.get(x.pk, 0), "completed": completed_by.get(x.pk, 0),
                  "rate": round(completed_by.get(x.pk, 0) * 100 / len(rows), 1) if rows else 0.0}
                 for x in lessons]
    return {"rows": rows, "orgs": list(orgs.values()), "by_lesson": by_lesson, "lessons": total, "members": len(rows),
            "finished": finished_count, "rate": round(finished_count * 100 / len(rows), 1) if rows else 0.0}
