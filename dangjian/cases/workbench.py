"""The case engine on the workbench (issue 14): to-do sources, the search provider, the
administrators' card and who sees which navigation entry. Reads only; scoped like the lists.

- ``cases.handle``: open cases of the departments the user acts for (head or handler) — the lead
  department owes an acceptance or a reply, a co-department its input. A case disappears when it
  is replied (or its co-input given / waived).
- ``cases.overdue``: open cases past their deadline that the user supervises (``cases.supervise``
  over the department's organization, or a supervisor of the department). A case disappears when
  the department replies.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from dangjian.cases import OPEN_STATES, CaseState, CoInputState, MemberRole, rules, sources
from dangjian.cases.models import Case
from dangjian.core.hooks import SearchHit, Todo
from dangjian.core.scoping import has_any, scoped


def may_list(user: Any) -> bool:
    """Who may open the case list (``cases:inbox`` checks the same)."""
    return bool(getattr(user, "is_superuser", False) or has_any(user, "cases.view")
                or rules.member_department_ids(user))


def may_see_board(user: Any) -> bool:
    """Who may open the supervision board (``cases:board`` checks the same)."""
    return bool(has_any(user, "cases.supervise") or rules.supervised_department_ids(user))


# --- to handle: the departments the user acts for -------------------------------------------------

def _handle_qs(user: Any) -> QuerySet[Case]:
    ids = sorted(rules.acting_department_ids(user))
    if not ids:
        return Case.objects.none()
    owed = Q(lead_department_id__in=ids) | Q(co_inputs__department_id__in=ids, co_inputs__state=CoInputState.PENDING)
    return Case.objects.filter(owed, state__in=OPEN_STATES).distinct()


def handle_count(user: Any) -> int:
    return _handle_qs(user).count()


def _title(case: Case, lead: bool) -> str:
    source = sources.get_source(case.source_kind)
    what = f"{source.label}：{case.title}" if source is not None else case.title
    if not lead:
        return _("Give your input on case %(no)s — %(what)s") % {"no": case.number, "what": what}
    if case.state == CaseState.ASSIGNED:
        return _("Accept case %(no)s — %(what)s") % {"no": case.number, "what": what}
    return _("Reply to case %(no)s — %(what)s") % {"no": case.number, "what": what}


def handle_items(user: Any, limit: int) -> list[Todo]:
    ids = rules.acting_department_ids(user)
    rows = _handle_qs(user).select_related("lead_department").order_by("deadline", "pk")[:limit]
    today = timezone.localdate()
    return [Todo(title=_title(c, c.lead_department_id in ids), url=reverse("cases:detail", args=[c.pk]),
                 org=c.lead_department.name, due=c.deadline,
                 urgent=c.category == "urgent" or c.deadline <= today, ref=f"case:{c.pk}")
            for c in rows]


def may_handle(user: Any) -> bool:
    return bool(rules.acting_department_ids(user))


# --- overdue: what the user supervises --------------------------------------------------------------

def _supervisor_ids(user: Any) -> list[int]:
    return sorted(d for d, role in rules._memberships(user) if role == MemberRole.SUPERVISOR)


def _overdue_qs(user: Any) -> QuerySet[Case]:
    ids = _supervisor_ids(user)
    extra = Q(lead_department_id__in=ids) if ids else None
    qs = scoped(Case.objects.all(), user, "cases.supervise", path_field="org_path", extra=extra)
    return qs.filter(rules.overdue_q(), state__in=OPEN_STATES)


def overdue_count(user: Any) -> int:
    return _overdue_qs(user).count()


def overdue_items(user: Any, limit: int) -> list[Todo]:
    rows = _overdue_qs(user).select_related("lead_department").order_by("deadline", "pk")[:limit]
    return [Todo(title=_("Overdue case %(no)s — %(title)s") % {"no": c.number, "title": c.title},
                 url=reverse("cases:detail", args=[c.pk]), org=c.lead_department.name, due=c.deadline,
                 urgent=True, ref=f"case:{c.pk}")
            for c in rows]


def may_supervise(user: Any) -> bool:
    return bool(has_any(user, "cases.supervise") or _supervisor_ids(user))


# --- search ---------------------------------------------------------------------------------------

def find_cases(user: Any, q: str, limit: int) -> list[SearchHit]:
    """Cases by number or title among those the user may see (``selectors.cases_for``)."""
    from dangjian.cases.selectors import cases_for

    if not may_list(user):
        return []
    rows = (cases_for(user).filter(Q(number__icontains=q) | Q(title__icontains=q))
            .select_related("lead_department").order_by("-assigned_at", "-pk")[:limit])
    return [SearchHit(title=f"{c.number} {c.title}", url=reverse("cases:detail", args=[c.pk]),
                      detail=f"{CaseState(c.state).label} · {c.lead_department.name}") for c in rows]


# --- the administrators' card ---------------------------------------------------------------------

def workbench_cards(request: HttpRequest) -> list[dict[str, Any]]:
    """Overdue cases in the subtree the user supervises, linking to the overdue list."""
    from dangjian.cases.selectors import cases_for, filter_cases

    user = request.user
    if not (has_any(user, "cases.supervise") and has_any(user, "cases.view")):
        return []
    value = filter_cases(cases_for(user), overdue=True).count()
    return [{"label": _("Overdue cases"), "value": value,
             "url": reverse("cases:inbox") + "?" + urlencode({"overdue": "1"}),
             "link": _("Open the overdue cases"), "order": 40}]
