"""Pages of the party school. Thin: parse → selector/access → one action → render."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dangjian.core.spreadsheets import xlsx_response
from dangjian.core.ui import static_url
from dangjian.learning import CourseStatus, LessonKind, MediaState, points
from dangjian.learning import actions as act
from dangjian.learning import media as media_files
from dangjian.learning.excel import plan_report_workbook
from dangjian.learning.forms import CommentForm, CourseForm, LessonForm, MediaForm, PlanForm
from dangjian.learning.models import Lesson
from dangjian.learning.progress import completion_coverage
from dangjian.learning.selectors import (
    MANAGE,
    access_course,
    access_lesson,
    access_managed_course,
    access_managed_lesson,
    access_managed_plan,
    adoptable_courses,
    courses_for,
    coverage_of,
    managed_courses,
    managed_plans,
    plan_courses,
    plans_of_member,
    progress_of,
)
from dangjian.learning.selectors import plan_report as plan_report_of
from dangjian.orgs.selectors import access_org, org_choices

PAGE_SIZE = 20
VARIANTS = {"small": "video_small", "large": "video_large", "audio": "audio", "poster": "poster"}


def _errors(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {k: " ".join(v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(exc.messages)}


def _form_errors(form: Any, exc: ValidationError) -> None:
    for field, message in _errors(exc).items():
        form.add_error(field if field in form.fields else None, message)


# --- learners --------------------------------------------------------------------------------------

@login_required
def courses(request: HttpRequest) -> HttpResponse:
    page = Paginator(courses_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "learning/courses.html", {
        "page": page, "courses": list(page.object_list), "plans": list(plans_of_member(request.user)[:5]),
        "show_points": points.shows_points(request.user)})


@login_required
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    c = access_course(request.user, course_id)
    lessons = list(c.lessons.order_by("order", "pk"))
    progress = progress_of(request.user, lessons)
    rows = [{"lesson": lesson, "coverage": int(coverage_of(lesson, progress.get(lesson.pk)) * 100),
             "completed": bool(progress.get(lesson.pk) and progress[lesson.pk].completed_at)} for lesson in lessons]
    return render(request, "learning/course.html", {"course": c, "rows": rows})


@login_required
def lesson(request: HttpRequest, lesson_id: int, *, form: Any = None, status: int = 200) -> HttpResponse:
    item = access_lesson(request.user, lesson_id)
    row = progress_of(request.user, [item]).get(item.pk)
    asked = request.GET.get("page", "")
    if asked.isdigit() and 1 <= int(asked) <= item.page_count:
        page = int(asked)
    else:  # where the learner left off
        page = min(int(row.position_s), item.page_count) if row and item.paged and row.position_s >= 1 else 1
    return render(request, "learning/lesson.html", {
        "lesson": item, "course": item.course, "progress": row, "coverage": int(coverage_of(item, row) * 100),
        "position": row.position_s if row else 0, "page": page, "pages": range(1, item.page_count + 1),
        "heartbeat": int(getattr(settings, "LEARNING_HEARTBEAT_SECONDS", 10)),
        "completion": int(completion_coverage() * 100), "audio_only": request.GET.get("audio") == "1",
        "offline_urls": offline_urls(item), "LessonKind": LessonKind, **_comments(item, form)}, status=status)


def _comments(item: Lesson, form: CommentForm | None) -> dict[str, Any]:
    """The lesson's published comments with their answers (one query, through the moderating
    module) and the form, where comments are available."""
    from dangjian.core.hooks import comments_available, matter_responses

    return {"comments": matter_responses(act.COMMENT_KIND, str(item.pk)),
            "comment_form": (form or CommentForm()) if comments_available() else None}


@login_required
@require_POST
def lesson_comment(request: HttpRequest, lesson_id: int) -> HttpResponse:
    """A comment under a lesson: rate limited per account (``LEARNING_COMMENT_RATE_LIMIT``), then
    to the moderation queue; the lesson page again with the errors when refused."""
    from dangjian.core.http import client_ip
    from dangjian.core.ratelimit import consume, rate_setting

    item = access_lesson(request.user, lesson_id)
    form = CommentForm(request.POST)
    rate = rate_setting("LEARNING_COMMENT_RATE_LIMIT", "5/10m")
    if rate is not None and consume(f"learning.comment:{request.user.pk}", *rate) is not None:
        form.is_valid()
        form.add_error(None, _("Too many comments in a short time; please try again later."))
        return lesson(request, lesson_id, form=form, status=429)
    if not form.is_valid():
        return lesson(request, lesson_id, form=form, status=400)
    try:
        done = act.do_comment_lesson(item, form.cleaned_data, acting_user=request.user, ip=client_ip(request))
    except ValidationError as exc:
        _form_errors(form, exc)
        return lesson(request, lesson_id, form=form, status=400)
    if done["status"] == "approved":
        messages.success(request, _("Thank you. Your comment is published."))
    else:
        messages.success(request, _("Thank you. Your comment will appear after review."))
    return redirect(reverse("learning:lesson", args=[item.pk]) + "#comments")


def offline_urls(item: Lesson) -> list[str]:
    """What "download for offline use" stores: the lesson's page (each page of a paged lesson),
    its media (the small video or the sound; the PDF) and the player's own files — the first is
    the one the page checks to say it is downloaded."""
    page = reverse("learning:lesson", args=[item.pk])
    urls = [page]
    if item.timed:
        if item.playable:
            urls.append(reverse("learning:media", args=[item.pk, "small" if item.kind == LessonKind.VIDEO else "audio"]))
            if item.kind == LessonKind.VIDEO and item.audio:
                urls += [f"{page}?audio=1", reverse("learning:media", args=[item.pk, "audio"])]
    else:
        urls += [f"{page}?page={n}" for n in range(1, item.page_count + 1)]
        if item.kind == LessonKind.PDF and item.source:
            urls.append(reverse("learning:media", args=[item.pk, "source"]))
    return urls + [static_url("learning/player.js"), static_url("learning/learning.css")]


@login_required
@require_safe
def media(request: HttpRequest, lesson_id: int, variant: str) -> HttpResponseBase:
    """A lesson's media, only to those who may learn the lesson (or edit its course)."""
    try:
        item = access_lesson(request.user, lesson_id)
    except Http404:
        item = access_managed_lesson(request.user, lesson_id)
    if variant == "source":
        relative = item.source.name if item.source else ""
    elif variant in VARIANTS:
        relative = getattr(item, VARIANTS[variant]) or (item.source.name if variant == "small" and item.source
                                                       and item.kind == LessonKind.VIDEO else "")
    else:
        raise Http404
    if not relative:
        raise Http404
    root = Path(settings.MEDIA_ROOT).resolve()
    full = (root / relative).resolve()
    if not full.is_relative_to(root) or not full.is_file():
        raise Http404
    return media_files.serve(request, full, full.relative_to(root).as_posix())


# --- editors ---------------------------------------------------------------------------------------

def _require_manager(request: HttpRequest) -> list[tuple[int, str]]:
    choices = org_choices(request.user, MANAGE, branches_only=False)
    if not choices:
        raise PermissionDenied(_("Your role may not edit courses."))
    return choices


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    page = Paginator(managed_courses(request.user).order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "learning/manage.html", {
        "page": page, "courses": list(page.object_list),
        "plans": list(managed_plans(request.user).order_by("-due_on", "-pk")[:50])})


@login_required
def course_edit(request: HttpRequest, course_id: int | None = None) -> HttpResponse:
    choices = _require_manager(request)
    c = access_managed_course(request.user, course_id) if course_id else None
    initial = {"title": c.title, "summary": c.summary, "visibility": c.visibility} if c else {}
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            org = c.organization if c else access_org(request.user, request.POST.get("org"), perm=MANAGE)
            saved = act.do_save_course(org, form.cleaned_data, course=c, acting_user=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The course is saved."))
            return redirect("learning:course_edit", saved.pk)
    lessons = list(c.lessons.order_by("order", "pk")) if c else []
    return render(request, "learning/course_edit.html", {
        "course": c, "form": form, "org_choices": choices, "lessons": lessons,
        "problems": act.publish_problems(c) if c and c.status == CourseStatus.DRAFT else [],
        "CourseStatus": CourseStatus, "MediaState": MediaState})


@login_required
@require_POST
def course_publish(request: HttpRequest, course_id: int) -> HttpResponse:
    c = access_managed_course(request.user, course_id)
    try:
        if request.POST.get("to") == "draft":
            act.do_unpublish_course(c, acting_user=request.user)
            messages.success(request, _("The course is back to draft."))
        else:
            act.do_publish_course(c, acting_user=request.user)
            messages.success(request, _("The course is published."))
    except ValidationError as exc:
        for message in _errors(exc).values():
            messages.error(request, message)
    return redirect("learning:course_edit", c.pk)


@login_required
def lesson_edit(request: HttpRequest, course_id: int | None = None, lesson_id: int | None = None) -> HttpResponse:
    _require_manager(request)
    item = access_managed_lesson(request.user, lesson_id) if lesson_id else None
    c = item.course if item else access_managed_course(request.user, course_id)
    initial = {f: getattr(item, f) for f in ("kind", "title", "order", "estimated_minutes", "body", "page_count",
                                             "page_seconds")} if item else {"estimated_minutes": 5, "page_count": 1}
    form = LessonForm(request.POST or None, initial=initial)
    upload = MediaForm()
    if request.method == "POST" and form.is_valid():
        try:
            saved = act.do_save_lesson(c, form.cleaned_data, lesson=item, acting_user=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The lesson is saved."))
            return redirect("learning:lesson_edit", saved.pk)
    return render(request, "learning/lesson_edit.html", {
        "course": c, "lesson": item, "form": form, "upload": upload, "MediaState": MediaState})


@login_required
@require_POST
def lesson_upload(request: HttpRequest, lesson_id: int) -> HttpResponse:
    item = access_managed_lesson(request.user, lesson_id)
    form = MediaForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            act.do_upload_lesson_media(item, form.cleaned_data["file"], acting_user=request.user)
        except ValidationError as exc:
            for message in _errors(exc).values():
                messages.error(request, message)
        else:
            messages.success(request, _("The file is uploaded and being converted."))
    return redirect("learning:lesson_edit", item.pk)


@login_required
def plan_edit(request: HttpRequest, plan_id: int | None = None) -> HttpResponse:
    choices = _require_manager(request)
    plan = access_managed_plan(request.user, plan_id) if plan_id else None
    form = PlanForm(request.POST or None, initial={"title": plan.title, "due_on": plan.due_on} if plan else {})
    if request.method == "POST" and form.is_valid():
        try:
            org = plan.organization if plan else access_org(request.user, request.POST.get("org"), perm=MANAGE)
            saved = act.do_save_plan(org, form.cleaned_data, plan=plan, acting_user=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("learning:plan_edit", saved.pk)
    return render(request, "learning/plan_edit.html", {
        "plan": plan, "form": form, "org_choices": choices,
        "items": plan_courses(plan) if plan else [],
        "adoptable": list(adoptable_courses(plan)[:200]) if plan else []})


@login_required
@require_POST
def plan_course(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = access_managed_plan(request.user, plan_id)
    course_id = request.POST.get("course", "")
    target = adoptable_courses(plan).filter(pk=int(course_id)).first() if course_id.isdigit() else None
    try:
        if request.POST.get("remove"):
            existing = next((c for c in plan_courses(plan) if str(c.pk) == course_id), None)
            if existing is None:
                raise ValidationError({"course": _("The course is not in the plan.")})
            act.do_remove_plan_course(plan, existing, acting_user=request.user)
            messages.success(request, _("The course is removed from the plan."))
        else:
            if target is None:
                raise ValidationError({"course": _("Choose a published course of this organization, one above it, "
                                                   "or a public course, not already in the plan.")})
            act.do_add_plan_course(plan, target, acting_user=request.user)
            messages.success(request, _("The course is added to the plan."))
    except ValidationError as exc:
        for message in _errors(exc).values():
            messages.error(request, message)
    return redirect("learning:plan_edit", plan.pk)


@login_required
def plan_report(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = access_managed_plan(request.user, plan_id)
    report = plan_report_of(plan)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(plan_report_workbook(plan, report), f"learning-plan-{plan.pk}.xlsx")
    page = Paginator(report["rows"], 50).get_page(request.GET.get("page"))
    return render(request, "learning/plan_report.html", {"plan": plan, "report": report, "page": page,
                                                         "rows": list(page.object_list)})


@login_required
@require_POST
def plan_remind(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = access_managed_plan(request.user, plan_id)
    try:
        n = act.do_remind_plan(plan, acting_user=request.user)
    except ValidationError as exc:
        for message in _errors(exc).values():
            messages.error(request, message)
    else:
        messages.success(request, _("%(n)d members who have not finished were reminded.") % {"n": n})
    return redirect("learning:plan_report", plan.pk)
