"""Opinions on the workbench (issue 14): the to-do source, the search provider and the card.

An opinion is answered by the department its case is handed to (交办): the department's handler
replies on the case page and the reply becomes the opinion's public answer. So the work waiting
on an opinion is, in turn:

- ``opinions.route``: a received opinion without a case, for the staff who may hand it to a
  department (``opinions.view`` over its place and ``cases.assign``). Its due date is the answer
  deadline of its kind in working days (the case category's, ``cases.rules``), counted from
  when it arrived. It disappears once routed (``do_assign_opinion`` / ``do_link_opinion_to_case``).
- then the handler's ``cases.handle`` item (the case engine's source) until the reply.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from dangjian.core import workdays
from dangjian.core.hooks import SearchHit, Todo
from dangjian.core.scoping import has_any
from dangjian.opinions import OpinionKind, OpinionStatus
from dangjian.opinions.models import Opinion
from dangjian.opinions.selectors import opinions_for_staff


def may_route(user: Any) -> bool:
    return has_any(user, "opinions.view") and has_any(user, "cases.assign")


def _to_route(user: Any) -> QuerySet[Opinion]:
    return opinions_for_staff(user).filter(status=OpinionStatus.RECEIVED, case__isnull=True)


def answer_due(opinion: Opinion) -> Any:
    """When the sender is owed an answer: the working days of the opinion's kind (as a case
    category) after it arrived."""
    from dangjian.cases.rules import deadline_workdays
    from dangjian.opinions.actions import KIND_TO_CATEGORY

    category = KIND_TO_CATEGORY.get(OpinionKind(opinion.kind), "complaint")
    return workdays.deadline(opinion.created_at, deadline_workdays(category))


def route_count(user: Any) -> int:
    return _to_route(user).count()


def route_items(user: Any, limit: int) -> list[Todo]:
    rows = (_to_route(user).select_related(None).select_related("place")
            .only("pk", "tracking_no", "title", "kind", "created_at", "place__name")
            .order_by("created_at", "pk")[:limit])
    items = [Todo(title=_("Hand opinion %(no)s to a department — %(title)s") % {"no": o.tracking_no, "title": o.title},
                  url=reverse("opinions:staff_detail", args=[o.pk]), org=o.place.name if o.place else "",
                  due=answer_due(o), urgent=o.kind == OpinionKind.COMPLAINT, ref=f"opinion:{o.pk}")
             for o in rows]
    items.sort(key=lambda t: (t.due, t.ref))
    return items


def find_opinions(user: Any, q: str, limit: int) -> list[SearchHit]:
    """Opinions by tracking number or title in the user's scope. The detail names the kind, the
    status and the place — never the sender or their phone."""
    rows = (opinions_for_staff(user).filter(Q(tracking_no__icontains=q) | Q(title__icontains=q))
            .select_related(None).select_related("place")
            .only("pk", "tracking_no", "title", "kind", "status", "place__name", "created_at")[:limit])
    out = []
    for o in rows:
        detail = f"{OpinionKind(o.kind).label} · {OpinionStatus(o.status).label}"
        if o.place is not None:
            detail += f" · {o.place.name}"
        out.append(SearchHit(title=f"{o.tracking_no} {o.title}", url=reverse("opinions:staff_detail", args=[o.pk]),
                             detail=detail))
    return out


def workbench_cards(request: HttpRequest) -> list[dict[str, Any]]:
    """Administrators: the opinions in their scope still waiting for an answer (received or
    accepted), linking to the inbox filtered on them."""
    user = request.user
    if not may_route(user):
        return []
    waiting = opinions_for_staff(user).filter(status__in=[OpinionStatus.RECEIVED, OpinionStatus.ACCEPTED]).count()
    return [{"label": _("Opinions awaiting an answer"), "value": waiting,
             "url": reverse("opinions:staff_list") + "?" + urlencode({"waiting": "1"}),
             "link": _("Open the opinions inbox"), "order": 45}]
