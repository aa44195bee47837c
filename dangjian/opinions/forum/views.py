"""Forum pages: boards, thread lists, thread pages with replies, posting, reporting, moderation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.opinions.forum import selectors as sel
from dangjian.opinions.forum.actions import (
    can_moderate,
    do_create_reply,
    do_create_thread,
    do_moderate_reply,
    do_moderate_thread,
    do_report_post,
    do_resolve_report,
    do_turn_thread_into_opinion,
)
from dangjian.opinions.forum.forms import ReplyForm, ReportForm, ThreadForm
from dangjian.opinions.forum.models import Report

PAGE_SIZE = 20
HELD_MESSAGE = "held"


def _held_note() -> str:
    return _("Your post contains words that need a moderator's review. It is hidden from others until approved.")


@require_GET
def boards(request: HttpRequest) -> HttpResponse:
    return render(request, "forum/boards.html", {"boards": list(sel.active_boards()),
                                                 "can_moderate": can_moderate(request.user)})


@require_GET
def board(request: HttpRequest, board_id: int) -> HttpResponse:
    b = sel.access_board(board_id)
    page = Paginator(sel.threads_for(request.user, b), PAGE_SIZE).get_page(request.GET.get("page"))
    threads = list(page.object_list)
    sel.mark_official(threads)
    return render(request, "forum/board.html", {"board": b, "page": page, "threads": threads})


@login_required
@require_http_methods(["GET", "POST"])
def new_thread(request: HttpRequest, board_id: int) -> HttpResponse:
    b = sel.access_board(board_id)
    form = ThreadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            t = do_create_thread(b, form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            if t.is_hidden:
                messages.warning(request, _held_note())
            else:
                messages.success(request, _("Your thread was posted."))
            return redirect("forum:thread", t.pk)
    return render(request, "forum/new_thread.html", {"board": b, "form": form})


@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    t = sel.access_thread(request.user, thread_id)
    form = ReplyForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid():
            try:
                r = do_create_reply(t, form.cleaned_data, acting_user=request.user)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            else:
                if r.is_hidden:
                    messages.warning(request, _held_note())
                else:
                    messages.success(request, _("Your reply was posted."))
                return redirect("forum:thread", t.pk)
    page = Paginator(sel.replies_for(request.user, t), 50).get_page(request.GET.get("page"))
    replies = list(page.object_list)
    sel.mark_official([t, *replies])
    status = 400 if request.method == "POST" else 200
    return render(request, "forum/thread.html", {
        "thread": t, "board": t.board, "replies": replies, "page": page, "form": form,
        "report_form": ReportForm(), "can_moderate": can_moderate(request.user),
    }, status=status)


def _report(request: HttpRequest, target: Any, thread_id: int) -> HttpResponse:
    form = ReportForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": form.errors.get("reason") or [_("Give a reason.")]})
        do_report_post(target, form.cleaned_data["reason"], acting_user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("Thank you. A moderator will review the post."))
    return redirect("forum:thread", thread_id)


@login_required
@require_POST
def report_thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    t = sel.access_thread(request.user, thread_id)
    return _report(request, t, t.pk)


@login_required
@require_POST
def report_reply(request: HttpRequest, reply_id: int) -> HttpResponse:
    r = sel.access_reply(request.user, reply_id)
    return _report(request, r, r.thread_id)


def _moderator_or_404(request: HttpRequest) -> None:
    if not can_moderate(request.user):
        raise Http404


def _back(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next", "")
    return nxt if nxt.startswith("/forum/") else default


@login_required
@require_POST
def moderate_thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    _moderator_or_404(request)
    t = sel.access_thread(request.user, thread_id)
    try:
        do_moderate_thread(t, request.POST.get("op", ""), acting_user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("Done."))
    return redirect(_back(request, f"/forum/t/{t.pk}/"))


@login_required
@require_POST
def moderate_reply(request: HttpRequest, reply_id: int) -> HttpResponse:
    _moderator_or_404(request)
    r = sel.access_reply(request.user, reply_id)
    try:
        do_moderate_reply(r, request.POST.get("op", ""), acting_user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("Done."))
    return redirect(_back(request, f"/forum/t/{r.thread_id}/"))


@login_required
@require_POST
def to_opinion(request: HttpRequest, thread_id: int) -> HttpResponse:
    _moderator_or_404(request)
    t = sel.access_thread(request.user, thread_id)
    try:
        opinion = do_turn_thread_into_opinion(t, acting_user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The thread is now opinion %(no)s.") % {"no": opinion.tracking_no})
    return redirect("forum:thread", t.pk)


@login_required
@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    _moderator_or_404(request)
    reports = list(sel.open_reports()[:100])
    held_threads = list(sel.held_threads()[:100])
    held_replies = list(sel.held_replies()[:100])
    return render(request, "forum/moderation.html", {
        "reports": reports, "held_threads": held_threads, "held_replies": held_replies,
    })


@login_required
@require_POST
def resolve_report(request: HttpRequest, report_id: int) -> HttpResponse:
    _moderator_or_404(request)
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        raise Http404
    try:
        do_resolve_report(report, acting_user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("Report dismissed."))
    return redirect("forum:moderation")
