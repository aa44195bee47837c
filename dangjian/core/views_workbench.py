"""The workbench pages: the to-do list, the one search box, pins. (The workbench itself is the
home page of back-office users, ``core.views.home``.)"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from dangjian.core import search as search_registry
from dangjian.core import todos as todo_registry
from dangjian.core import workdays
from dangjian.core.hooks import workbench_cards
from dangjian.core.http import is_local_url
from dangjian.core.navigation import badge_counts
from dangjian.core.ui import is_staff_user, own_member
from dangjian.core.workbench import do_pin, do_unpin, pinned_items, recent_items

#: To-dos shown on the workbench itself; the to-do page lists them all.
WORKBENCH_TODOS = 12
TODO_PAGE_SIZE = 30
#: The most items the to-do page reads from one source (a county has thousands; it pages them).
TODO_SOURCE_MAX = 1000


def _staff_only(request: HttpRequest) -> None:
    if not is_staff_user(request.user):
        raise PermissionDenied(_("The workbench is for staff with a role on an organization."))


def due_text(due: Any, today: Any) -> str:
    """"3 working days left", "due today", "2 working days overdue"."""
    if due is None:
        return ""
    if due == today:
        return _("due today")
    if due < today:
        n = max(workdays.workdays_between(due, today), 1)
        return _("%(n)d working days overdue") % {"n": n}
    n = max(workdays.workdays_between(today, due), 0)
    return _("%(n)d working days left") % {"n": n} if n else _("due on the next working day")


def _annotate(items: list[todo_registry.Todo], labels: dict[str, Any], today: Any) -> list[dict[str, Any]]:
    return [{"todo": t, "module": labels.get(t.source, ""), "due_text": due_text(t.due, today),
             "overdue": t.due is not None and t.due < today} for t in items]


def workbench_context(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    todos = todo_registry.todos_for(user, limit=WORKBENCH_TODOS)
    today = timezone.localdate()
    shown = todos.items[:WORKBENCH_TODOS]
    buckets = todo_registry.TodoList(shown, todos.total, todos.counts, todos.labels).buckets(today)
    for bucket in buckets:
        bucket["rows"] = _annotate(bucket["items"], todos.labels, today)
    return {
        "cards": workbench_cards(request),
        "own_member": own_member(user),
        "todo_buckets": buckets,
        "todo_total": todos.total,
        "todo_more": todos.total > len(shown),
        "todo_counts": [{"key": k, "label": todos.labels[k], "count": c} for k, c in todos.counts.items()],
        "pinned": list(pinned_items(user)),
        "recent": list(recent_items(user)),
    }


@never_cache
@login_required
def todo_list(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    source = request.GET.get("source") or None
    if source is not None and todo_registry.todo_source(source) is None:
        source = None
    today = timezone.localdate()
    todos = todo_registry.todos_for(request.user, limit=TODO_SOURCE_MAX,
                                    sources=[source] if source else None)
    overview = todos if source is None else todo_registry.todos_for(request.user, limit=0)
    page = Paginator(todos.items, TODO_PAGE_SIZE).get_page(request.GET.get("page"))
    buckets = todo_registry.TodoList(list(page.object_list), todos.total, todos.counts, todos.labels).buckets(today)
    for bucket in buckets:
        bucket["rows"] = _annotate(bucket["items"], todos.labels, today)
    return render(request, "core/todos.html", {
        "buckets": buckets,
        "page": page,
        "filter_qs": urlencode({"source": source}) if source else "",
        "source": source,
        "total": todos.total,
        "tabs": [{"key": k, "label": overview.labels[k], "count": c} for k, c in overview.counts.items()],
        "all_total": overview.total,
    })


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """One search box. The form posts (a typed ID or phone number stays out of URLs and logs);
    a GET shows the empty box (or searches ``q`` for links such as "search for this")."""
    _staff_only(request)
    q = search_registry.normalize(request.POST.get("q") if request.method == "POST" else request.GET.get("q"))
    groups = search_registry.search_all(request.user, q) if q else []
    template = "core/_search_results.html" if request.headers.get("HX-Request") else "core/search.html"
    return render(request, template, {"q": q, "groups": groups, "searched": bool(q)})


def _back(request: HttpRequest, fallback: str = "core:home") -> HttpResponse:
    target = request.POST.get("next") or ""
    if is_local_url(request, target):
        return redirect(target)
    return redirect(fallback)


@never_cache
@login_required
def nav_badges(request: HttpRequest) -> JsonResponse:
    """The navigation's badges, fetched by the page after it loads (``static/js/app.js``)."""
    return JsonResponse(badge_counts(request.user))


@login_required
@require_POST
def pin(request: HttpRequest) -> HttpResponse:
    try:
        do_pin(request.user, path=request.POST.get("path", ""), title=request.POST.get("title", ""),  # type: ignore[arg-type]
               acting_user=request.user)
    except ValidationError as exc:
        for msgs in exc.message_dict.values():
            for msg in msgs:
                messages.error(request, msg)
    else:
        messages.success(request, _("Pinned to your workbench."))
    return _back(request)


@login_required
@require_POST
def unpin(request: HttpRequest) -> HttpResponse:
    do_unpin(request.user, path=request.POST.get("path", ""), acting_user=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Removed from your pinned pages."))
    return _back(request)
