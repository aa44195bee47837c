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
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dangjian.core.forms import apply_action_errors
from dangjian.opinions.forum import selectors as sel
from dangjian.opinions.forum.actions import (
    PostingTooFast,
    can_change_own,
    can_manage_boards,
    can_moderate,
    do_add_board_moderator,
    do_create_board,
    do_create_reply,
    do_create_thread,
    do_delete_reply,
    do_delete_thread,
    do_edit_reply,
    do_edit_thread,
    do_moderate_reply,
    do_moderate_thread,
    do_remove_board_moderator,
    do_report_post,
    do_resolve_report,
    do_set_board_archived,
    do_turn_thread_into_opinion,
    do_update_board,
    moderated_board_ids,
)
from dangjian.opinions.forum.forms import BoardForm, ModeratorForm, ReplyForm, ReportForm, ThreadForm

PAGE_SIZE = 20
QUEUE_PAGE_SIZE = 25
HELD_MESSAGE = "held"


def _too_fast(request: HttpRequest, exc: PostingTooFast, template: str, ctx: dict[str, Any]) -> HttpResponse:
    """429 with the form kept and a clear message (the text is not lost)."""
    messages.error(request, exc.message)
    response = render(request, template, ctx, status=429)
    response["Retry-After"] = str(exc.seconds)
    return response


def _held_note() -> str:
    return _("Your post contains words that need a moderator's review. It is hidden from others until approved.")


@require_GET
def boards(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(request, "forum/boards.html", {
        "boards": list(sel.active_boards()),
        "can_moderate": can_moderate(user) or bool(moderated_board_ids(user)),
        "can_manage": can_manage_boards(user),
    })


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
        except PostingTooFast as exc:
            return _too_fast(request, exc, "forum/new_thread.html", {"board": b, "form": form})
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
    status = 400 if request.method == "POST" else 200
    retry_after = 0
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if form.is_valid():
            try:
                r = do_create_reply(t, form.cleaned_data, acting_user=request.user)
            except ValidationError as exc:
                apply_action_errors(form, exc)
            except PostingTooFast as exc:
                messages.error(request, exc.message)
                status, retry_after = 429, exc.seconds
            else:
                if r.is_hidden:
                    messages.warning(request, _held_note())
                else:
                    messages.success(request, _("Your reply was posted."))
                return redirect("forum:thread", t.pk)
    page = Paginator(sel.replies_for(request.user, t), 50).get_page(request.GET.get("page"))
    replies = list(page.object_list)
    sel.mark_official([t, *replies])
    moderator = sel.moderates(request.user, t.board_id)
    for r in replies:
        r.thread = t  # no query per reply for the checks below
        r.can_change = can_change_own(request.user, r)  # type: ignore[attr-defined]
    response = render(request, "forum/thread.html", {
        "thread": t, "board": t.board, "replies": replies, "page": page, "form": form,
        "report_form": ReportForm(), "can_moderate": moderator,
        "can_change_thread": can_change_own(request.user, t),
        "thread_revisions": sel.revisions(t) if moderator and t.edited_at else [],
    }, status=status)
    if status == 429:
        response["Retry-After"] = str(retry_after)
    return response


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


def _moderator_or_404(request: HttpRequest, board_id: int | None = None) -> None:
    """Moderator pages are 404 for everybody else (no hint that they exist)."""
    user = request.user
    allowed = (can_moderate(user) or bool(moderated_board_ids(user))) if board_id is None \
        else sel.moderates(user, board_id)
    if not allowed:
        raise Http404


def _back(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next", "")
    return nxt if nxt.startswith("/forum/") else default


@login_required
@require_POST
def moderate_thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    t = sel.access_thread(request.user, thread_id)
    _moderator_or_404(request, t.board_id)
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
    r = sel.access_reply(request.user, reply_id)
    _moderator_or_404(request, r.thread.board_id)
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
    t = sel.access_thread(request.user, thread_id)
    _moderator_or_404(request, t.board_id)
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
    user = request.user
    reports = Paginator(sel.open_reports(user), QUEUE_PAGE_SIZE).get_page(request.GET.get("reports"))
    threads = Paginator(sel.held_threads(user), QUEUE_PAGE_SIZE).get_page(request.GET.get("threads"))
    replies = Paginator(sel.held_replies(user), QUEUE_PAGE_SIZE).get_page(request.GET.get("replies"))
    here = {"reports": reports.number, "threads": threads.number, "replies": replies.number}

    def link(which: str, number: int) -> str:
        return "?" + urlencode({**here, which: number})

    return render(request, "forum/moderation.html", {
        "reports": list(reports.object_list), "held_threads": list(threads.object_list),
        "held_replies": list(replies.object_list),
        "pages": [(key, label, page, link(key, page.previous_page_number()) if page.has_previous() else "",
                   link(key, page.next_page_number()) if page.has_next() else "")
                  for key, label, page in (("reports", _("Open reports"), reports),
                                           ("threads", _("Hidden threads"), threads),
                                           ("replies", _("Hidden replies"), replies))],
    })


@login_required
@require_POST
def resolve_report(request: HttpRequest, report_id: int) -> HttpResponse:
    report = sel.access_report(request.user, report_id)
    try:
        do_resolve_report(report, acting_user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
    else:
        messages.success(request, _("Report dismissed."))
    return redirect("forum:moderation")


# --- authors edit or delete their own posts -------------------------------------------------------

def _edit_own_post(request: HttpRequest, post: Any, form: Any, action: Any, thread: Any) -> HttpResponse:
    """The edit page of the author's own thread or reply: one form, one action, the same notes."""
    if post.author_id != request.user.pk:
        raise Http404
    if request.method == "POST" and form.is_valid():
        try:
            post = action(post, form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            if post.is_hidden:
                messages.warning(request, _held_note())
            else:
                messages.success(request, _("Your changes were saved."))
            return redirect("forum:thread", thread.pk)
    context = {"thread": thread, "form": form, "can_change": can_change_own(request.user, post)}
    if post is not thread:
        context["reply"] = post
    return render(request, "forum/edit_post.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def edit_thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    t = sel.access_thread(request.user, thread_id)
    form = ThreadForm(request.POST or None, initial={"title": t.title, "body": t.body})
    return _edit_own_post(request, t, form, do_edit_thread, t)


@login_required
@require_http_methods(["GET", "POST"])
def edit_reply(request: HttpRequest, reply_id: int) -> HttpResponse:
    r = sel.access_reply(request.user, reply_id)
    return _edit_own_post(request, r, ReplyForm(request.POST or None, initial={"body": r.body}), do_edit_reply,
                          r.thread)


def _delete_own_post(request: HttpRequest, post: Any, action: Any, thread: Any, done: Any, gone_to: Any) -> HttpResponse:
    """Delete the author's own thread or reply; a refusal (window passed, locked) goes back to the thread."""
    if post.author_id != request.user.pk:
        raise Http404
    try:
        action(post, acting_user=request.user)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect("forum:thread", thread.pk)
    messages.success(request, done)
    return gone_to


@login_required
@require_POST
def delete_thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    t = sel.access_thread(request.user, thread_id)
    return _delete_own_post(request, t, do_delete_thread, t, _("Your thread was deleted."),
                            redirect("forum:board", t.board_id))


@login_required
@require_POST
def delete_reply(request: HttpRequest, reply_id: int) -> HttpResponse:
    r = sel.access_reply(request.user, reply_id)
    return _delete_own_post(request, r, do_delete_reply, r.thread, _("Your reply was deleted."),
                            redirect("forum:thread", r.thread_id))


# --- board management (forum administrators) ------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def manage_boards(request: HttpRequest) -> HttpResponse:
    if not can_manage_boards(request.user):
        raise Http404
    form = BoardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            b = do_create_board(form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            apply_action_errors(form, exc)
        else:
            messages.success(request, _("Board “%(name)s” created.") % {"name": b.name})
            return redirect("forum:manage_boards")
    page = Paginator(sel.all_boards(), 50).get_page(request.GET.get("page"))
    return render(request, "forum/manage_boards.html", {"form": form, "page": page, "boards": list(page.object_list)},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def manage_board(request: HttpRequest, board_id: int) -> HttpResponse:
    b = sel.access_managed_board(request.user, board_id)
    form = BoardForm(initial={"name": b.name, "description": b.description, "order": b.order})
    mod_form = ModeratorForm()
    status = 200
    if request.method == "POST":
        what = request.POST.get("form", "")
        try:
            if what == "edit":
                form = BoardForm(request.POST)
                if form.is_valid():
                    do_update_board(b, form.cleaned_data, acting_user=request.user)
                    messages.success(request, _("Board saved."))
                    return redirect("forum:manage_board", b.pk)
            elif what in ("archive", "restore"):
                do_set_board_archived(b, what == "archive", acting_user=request.user)
                messages.success(request, _("Board archived.") if what == "archive" else _("Board restored."))
                return redirect("forum:manage_board", b.pk)
            elif what in ("add_moderator", "remove_moderator"):
                mod_form = ModeratorForm(request.POST)
                if mod_form.is_valid():
                    person = sel.user_by_username(mod_form.cleaned_data["username"])
                    if what == "add_moderator":
                        do_add_board_moderator(b, person, acting_user=request.user)
                        messages.success(request, _("Moderator added."))
                    else:
                        do_remove_board_moderator(b, person, acting_user=request.user)
                        messages.success(request, _("Moderator removed."))
                    return redirect("forum:manage_board", b.pk)
            else:
                raise Http404
        except ValidationError as exc:
            if what == "edit":
                apply_action_errors(form, exc)
            elif what in ("add_moderator", "remove_moderator"):
                apply_action_errors(mod_form, exc)
            else:
                for msg in exc.messages:
                    messages.error(request, msg)
        status = 400
    return render(request, "forum/manage_board.html", {
        "board": b, "form": form, "mod_form": mod_form, "moderators": list(b.moderators.all()),
    }, status=status)
