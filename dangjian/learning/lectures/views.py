"""Pages of live lectures. Thin: parse → selector/access → one action → render.

The room (``room``) renders every message so far (the replay, and the start of a live room);
while the lecture is live the page asks ``feed`` for the messages after the last one it has every
``LECTURES_POLL_SECONDS`` (decision 0008: short polls on the ordinary workers, no open streams)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from dangjian.learning.lectures import LectureStatus, pollcache
from dangjian.learning.lectures import actions as act
from dangjian.learning.lectures.models import Message
from dangjian.learning.lectures.selectors import (
    MANAGE,
    access_lecture,
    gives_lectures,
    is_lecturer,
    lectures_for,
    may_manage,
    messages_after,
    pinned_ids,
    sees_lectures,
)
from dangjian.orgs.selectors import access_org, org_choices

PAGE_SIZE = 25


def poll_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "LECTURES_POLL_SECONDS", 3))


class LectureForm(forms.Form):
    organization = forms.TypedChoiceField(label=gettext_lazy("Organization (its members are the audience)"),
                                          coerce=int)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120)
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    lecturer = forms.CharField(label=gettext_lazy("Lecturer's user name"), max_length=150)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts at"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    def __init__(self, *args: Any, org_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = org_choices  # type: ignore[attr-defined]


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if not (sees_lectures(request.user) or gives_lectures(request.user)):
        raise PermissionDenied(_("Live lectures are for party members, their lecturers and editors."))
    page = Paginator(lectures_for(request.user).order_by("-starts_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "lectures/index.html", {"page": page, "lectures": list(page.object_list),
                                                   "may_manage": may_manage(request.user)})


@login_required
def new(request: HttpRequest) -> HttpResponse:
    if not may_manage(request.user):
        raise PermissionDenied(_("You do not manage lectures."))
    form = LectureForm(request.POST or None, org_choices=org_choices(request.user, MANAGE, branches_only=False))
    if request.method == "POST" and form.is_valid():
        org = access_org(request.user, form.cleaned_data["organization"], MANAGE)
        try:
            lecture = act.do_create_lecture(org, form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, " ".join(msgs))
        else:
            return redirect("lectures:room", lecture.pk)
    return render(request, "lectures/new.html", {"form": form}, status=400 if form.errors else 200)


def _message(m: Message) -> dict[str, Any]:
    from django.urls import reverse

    return {"id": m.pk, "kind": m.kind, "author": m.author_name, "text": m.text,
            "time": timezone.localtime(m.created_at).strftime("%H:%M"),
            "url": reverse("lectures:file", args=[m.lecture_id, m.pk]) if m.file else "",
            "duration_s": m.duration_s, "reply_to": m.reply_to_id, "pinned": m.pinned}


@login_required
def room(request: HttpRequest, lecture_id: int) -> HttpResponse:
    lecture = access_lecture(request.user, lecture_id)
    msgs = messages_after(lecture, 0, limit=5000)
    by_id = {m.pk: m for m in msgs}
    for m in msgs:
        m.quote = by_id.get(m.reply_to_id) if m.reply_to_id else None  # type: ignore[attr-defined]
    lecturer = is_lecturer(request.user, lecture)
    return render(request, "lectures/room.html", {
        "lecture": lecture, "messages": msgs, "lecturer": lecturer,
        "live": lecture.status == LectureStatus.LIVE, "may_run": lecturer or may_manage(request.user),
        "pinned": [m for m in msgs if m.pinned], "last_id": msgs[-1].pk if msgs else 0, "poll": poll_seconds()})


@require_safe
@login_required
def feed(request: HttpRequest, lecture_id: int) -> HttpResponse:
    """What a follower's page lacks: the messages after ``after`` and, when ``v`` (the version it
    has) is behind, the status and the pinned ids. Nothing new: ``204`` from the cache when this
    follower passed the access check recently (``pollcache``), else the lecture's row only."""
    try:
        after, seen = max(0, int(request.GET.get("after", 0))), int(request.GET.get("v", -1))
    except ValueError:
        access_lecture(request.user, lecture_id)
        return JsonResponse({"code": "bad_request", "message": _("Give whole numbers."), "field": "after"},
                            status=400)
    if pollcache.nothing_new(lecture_id, request.user.pk, after, seen):
        empty = HttpResponse(status=204)
        empty["Cache-Control"] = "no-store"
        return empty
    lecture = access_lecture(request.user, lecture_id)
    pollcache.remember(lecture, request.user.pk)
    # the lecture row says whether anything is newer than what the follower has (the usual poll:
    # no second query)
    fresh = messages_after(lecture, after) if after < lecture.head else []
    body: dict[str, Any] = {"status": lecture.status, "version": lecture.version,
                            "messages": [_message(m) for m in fresh]}
    if seen != lecture.version:
        body["pinned"] = pinned_ids(lecture)
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def file(request: HttpRequest, lecture_id: int, message_id: int) -> FileResponse:
    lecture = access_lecture(request.user, lecture_id)
    m = Message.objects.filter(lecture=lecture, pk=message_id).exclude(file="").first()
    if m is None:
        raise Http404(_("Not found."))
    response = FileResponse(m.file.open("rb"), content_type=m.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _back(lecture_id: int) -> HttpResponse:
    return redirect("lectures:room", lecture_id)


@login_required
@require_POST
def post(request: HttpRequest, lecture_id: int) -> HttpResponse:
    lecture = access_lecture(request.user, lecture_id)
    try:
        act.do_post_message(lecture, text=request.POST.get("text", ""), image=request.FILES.get("image"),
                            voice=request.FILES.get("voice"), duration_s=request.POST.get("duration_s"),
                            acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return _back(lecture.pk)


@login_required
@require_POST
def ask(request: HttpRequest, lecture_id: int) -> HttpResponse:
    lecture = access_lecture(request.user, lecture_id)
    try:
        act.do_ask_question(lecture, request.POST.get("text", ""), acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Your question is sent to the lecturer."))
    return _back(lecture.pk)


@login_required
@require_POST
def answer(request: HttpRequest, lecture_id: int, message_id: int) -> HttpResponse:
    lecture = access_lecture(request.user, lecture_id)
    question = Message.objects.filter(lecture=lecture, pk=message_id).select_related("lecture").first()
    if question is None:
        raise Http404(_("Not found."))
    try:
        act.do_answer_question(question, request.POST.get("text", ""), pin=request.POST.get("pin") == "1",
                               acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return _back(lecture.pk)


@login_required
@require_POST
def pin(request: HttpRequest, lecture_id: int, message_id: int) -> HttpResponse:
    lecture = access_lecture(request.user, lecture_id)
    m = Message.objects.filter(lecture=lecture, pk=message_id).select_related("lecture").first()
    if m is None:
        raise Http404(_("Not found."))
    act.do_pin_message(m, request.POST.get("pinned") == "1", acting_user=request.user)
    return _back(lecture.pk)


def _change_state(request: HttpRequest, lecture_id: int, action: Any) -> HttpResponse:
    """Start or finish the room (``action``), with a refusal shown as a message; back to the room."""
    lecture = access_lecture(request.user, lecture_id)
    try:
        action(lecture, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return _back(lecture.pk)


@login_required
@require_POST
def start(request: HttpRequest, lecture_id: int) -> HttpResponse:
    return _change_state(request, lecture_id, act.do_start_lecture)


@login_required
@require_POST
def finish(request: HttpRequest, lecture_id: int) -> HttpResponse:
    return _change_state(request, lecture_id, act.do_finish_lecture)


@login_required
@require_POST
def make_lesson(request: HttpRequest, lecture_id: int) -> HttpResponse:
    """The lesson of a lecture that finished without one (the lecturer or an editor)."""
    return _change_state(request, lecture_id, act.do_make_lecture_lesson)
