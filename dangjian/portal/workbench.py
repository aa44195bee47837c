"""The portal on the workbench (issue 14): to-do sources, the article search, who sees the
"Portal content" entry (Wagtail's admin at /cms/). Reads only.

- ``portal.review``: review tasks (三审三校) in progress that the user may approve — Wagtail's
  group approval tasks of the groups they are in. Gone when the stage is approved or rejected.
- ``portal.comments``: public comments awaiting moderation in the user's ``portal.moderate`` scope.
- ``portal.corrections``: correction suggestions awaiting the section's editors (``portal.edit``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.hooks import SearchHit, Todo
from dangjian.portal import CommentStatus, CorrectionStatus
from dangjian.portal.selectors import comments_for, corrections_for


def may_open_cms(user: Any) -> bool:
    """Who gets into Wagtail's admin (/cms/ checks the same permission)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("wagtailadmin.access_admin"))


# --- review tasks ---------------------------------------------------------------------------------

def _review_states(user: Any) -> QuerySet[Any]:
    from wagtail.models import GroupApprovalTask, TaskState

    qs = TaskState.objects.filter(status=TaskState.STATUS_IN_PROGRESS, task__active=True)
    if getattr(user, "is_superuser", False):
        return qs
    tasks = GroupApprovalTask.objects.filter(groups__user=user).values("pk")
    return qs.filter(task_id__in=tasks)


def review_count(user: Any) -> int:
    return _review_states(user).count()


def review_items(user: Any, limit: int) -> list[Todo]:
    rows = (_review_states(user).select_related("task", "workflow_state", "revision")
            .order_by("started_at", "pk")[:limit])
    items = []
    for state in rows:
        obj_id = state.workflow_state.object_id
        title = state.revision.object_str if state.revision is not None else ""
        items.append(Todo(title=_("Review “%(title)s” (%(stage)s)") % {"title": title, "stage": state.task.name},
                          url=reverse("wagtailadmin_pages:edit", args=[obj_id]), ref=f"page-review:{obj_id}"))
    return items


def may_review(user: Any) -> bool:
    from wagtail.models import GroupApprovalTask

    if getattr(user, "is_superuser", False):
        return True
    if not may_open_cms(user):
        return False
    return GroupApprovalTask.objects.filter(groups__user=user, active=True).exists()


# --- comments and corrections ---------------------------------------------------------------------

def _pending_comments(user: Any) -> QuerySet[Any]:
    return comments_for(user).filter(status=CommentStatus.PENDING)


def comments_count(user: Any) -> int:
    return _pending_comments(user).count()


def comments_items(user: Any, limit: int) -> list[Todo]:
    url = reverse("portal:moderation")
    rows = _pending_comments(user).select_related(None).select_related("page").order_by("created_at", "pk")[:limit]
    return [Todo(title=_("Moderate a comment on “%(page)s”") % {"page": c.page.title if c.page else (c.matter_title or c.matter_ref)},
                 url=url, ref=f"comment:{c.pk}") for c in rows]


def _pending_corrections(user: Any) -> QuerySet[Any]:
    return corrections_for(user).filter(status=CorrectionStatus.PENDING)


def corrections_count(user: Any) -> int:
    return _pending_corrections(user).count()


def corrections_items(user: Any, limit: int) -> list[Todo]:
    url = reverse("portal:corrections")
    rows = _pending_corrections(user).select_related(None).select_related("page").order_by("created_at", "pk")[:limit]
    return [Todo(title=_("Handle a correction to “%(page)s”") % {"page": c.page.title if c.page else ""},
                 url=url, ref=f"correction:{c.pk}") for c in rows]


# --- search ---------------------------------------------------------------------------------------

def find_articles(user: Any, q: str, limit: int) -> list[SearchHit]:
    """Live, public pages through the portal's token index (``portal.search``), best first."""
    from wagtail.models import Page

    from dangjian.portal.search import search

    _toks, hits = search(q)
    ids = [h["page"] for h in hits[:limit]]
    if not ids:
        return []
    pages = {p.pk: p for p in Page.objects.live().public().filter(pk__in=ids).only("pk", "title", "url_path")}
    out = []
    for pk in ids:
        page = pages.get(pk)
        if page is None:
            continue
        out.append(SearchHit(title=page.title, url=page.get_url() or "", detail=str(_("Portal page"))))
    return out
