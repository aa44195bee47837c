"""Reads for the case engine: scoped lists, one case, the timeline, the supervision board."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.cases import OPEN_STATES, PUBLIC_EVENTS, CaseState, EventKind, rules
from dangjian.cases.models import AccountabilityRecord, Case, CaseEvent, CoInput, Department
from dangjian.core import workdays
from dangjian.core.scoping import get_scoped_or_404, scoped


def departments_for(user: Any, perm: str = "cases.view") -> QuerySet[Department]:
    """Departments in the user's scope, plus the ones they belong to."""
    extra = Q(pk__in=rules.member_department_ids(user)) if rules.member_department_ids(user) else None
    return scoped(Department.objects.select_related("organization"), user, perm, path_field="org_path",
                  extra=extra).order_by("org_path", "name")


def access_department(user: Any, department_id: Any, perm: str = "cases.view") -> Department:
    extra = Q(pk__in=rules.member_department_ids(user)) if perm == "cases.view" else None
    return get_scoped_or_404(Department.objects.select_related("organization"), user, perm,
                             path_field="org_path", extra=extra, pk=department_id)


def _own_cases_q(user: Any) -> Q | None:
    ids = rules.member_department_ids(user)
    if not ids:
        return None
    return Q(lead_department_id__in=ids) | Q(co_departments__in=ids)


def cases_for(user: Any) -> QuerySet[Case]:
    """Cases the user may see: ``cases.view`` over the lead department's organization, or a
    member of the lead or a co-department."""
    qs = scoped(Case.objects.all(), user, "cases.view", path_field="org_path", extra=_own_cases_q(user))
    if rules.member_department_ids(user):
        qs = qs.distinct()  # the co-department join may repeat rows
    return qs


def filter_cases(qs: QuerySet[Case], *, dept: int | None = None, state: str | None = None,
                 overdue: bool | None = None, now: dt.datetime | None = None) -> QuerySet[Case]:
    if dept:
        qs = qs.filter(lead_department_id=dept)
    if state:
        qs = qs.filter(state=state)
    late = Q(state__in=OPEN_STATES) & rules.overdue_q(now)
    if overdue is True:
        qs = qs.filter(late)
    elif overdue is False:
        qs = qs.exclude(late)
    return qs


def inbox_for(user: Any) -> QuerySet[Case]:
    """The cases of the departments the user acts for (lead or co-department), open first."""
    ids = rules.member_department_ids(user)
    return (Case.objects.filter(Q(lead_department_id__in=ids) | Q(co_departments__in=ids)).distinct()
            .select_related("lead_department").order_by("deadline", "pk"))


def access_case(user: Any, case_id: Any) -> Case:
    """One case the user may see, else 404 (no existence leak)."""
    try:
        return cases_for(user).select_related("lead_department", "handler", "created_by").get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case).select_related("actor", "department").order_by("at", "pk"))


def case_timeline(case: Case) -> list[dict[str, Any]]:
    """The public-safe steps of a case, for the portal's public matter page (hook-friendly):
    ``[{"at": datetime, "kind": "replied", "label": "Replied", "department": "县住建局", "text": "…"}]``.
    Internal steps (send-back reasons, supervision notes, reminders, accountability) and the people
    who acted are left out."""
    rows = CaseEvent.objects.filter(case=case, public=True, kind__in=list(PUBLIC_EVENTS)).select_related(
        "department").order_by("at", "pk")
    return [{"at": e.at, "kind": e.kind, "label": str(EventKind(e.kind).label),
             "department": e.department.name if e.department else "", "text": e.text} for e in rows]


def co_inputs(case: Case) -> list[CoInput]:
    """The case's co-departments and what each owes or gave (shown to everyone who sees the case)."""
    return list(CoInput.objects.filter(case=case).select_related("department", "submitted_by").order_by("pk"))


def acting_co_department(user: Any, case: Case, department_id: Any = None) -> Department:
    """The co-department of ``case`` the user acts for (the one named, or the only one); else 404."""
    mine = rules.acting_department_ids(user)
    qs = Department.objects.filter(co_inputs__case=case)
    if not getattr(user, "is_superuser", False):
        qs = qs.filter(pk__in=mine)
    if department_id not in (None, ""):
        try:
            qs = qs.filter(pk=int(department_id))
        except (TypeError, ValueError, OverflowError):
            raise Http404(_("Not found.")) from None
    found = list(qs[:2])
    if len(found) != 1:
        raise Http404(_("Not found."))
    return found[0]


def co_department_of(case: Case, department_id: Any) -> Department:
    """A co-department of a case the caller already reached through ``access_case``; else 404."""
    try:
        return Department.objects.get(co_inputs__case=case, pk=int(department_id))
    except (Department.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def accountability_for(user: Any) -> QuerySet[AccountabilityRecord]:
    return scoped(AccountabilityRecord.objects.select_related("case", "department", "created_by"), user,
                  "cases.accountability", path_field="org_path").order_by("-created_at", "-pk")


@dataclass
class BoardRow:
    department_id: int
    name: str
    red: int
    yellow: int
    green: int

    @property
    def colour(self) -> str:
        return "red" if self.red else ("yellow" if self.yellow else "green")

    @property
    def colour_label(self) -> str:
        return {"red": _("Overdue"), "yellow": _("Due soon"), "green": _("On time")}[self.colour]

    @property
    def total(self) -> int:
        return self.red + self.yellow + self.green


def board(user: Any, *, now: dt.datetime | None = None, limit: int = 500) -> list[BoardRow]:
    """The red/yellow/green board: open cases per lead department, counted in one aggregate query
    (the ``state, deadline, lead_department`` index serves it; no rows come back but the counts).
    Red: past the deadline; yellow: due within ``CASES_DUE_SOON_WORKDAYS`` working days; green:
    the rest. Departments without open cases are listed green."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    soon = workdays.add_workdays(today, rules.due_soon_workdays())
    late = rules.overdue_q(now)
    depts = list(departments_for(user, "cases.supervise").filter(is_active=True).values_list("pk", "name")[:limit])
    if not depts:
        return []
    counts: dict[int, dict[str, Any]] = {
        row["lead_department_id"]: dict(row)
        for row in Case.objects.filter(state__in=OPEN_STATES, lead_department_id__in=[pk for pk, _n in depts])
        .values("lead_department_id")
        .annotate(red=Count("pk", filter=late),
                  yellow=Count("pk", filter=Q(deadline__lte=soon) & ~late),
                  green=Count("pk", filter=Q(deadline__gt=soon) & ~late))
    }
    rows = []
    for pk, name in depts:
        c: dict[str, Any] = counts.get(pk, {})
        rows.append(BoardRow(pk, name, c.get("red", 0), c.get("yellow", 0), c.get("green", 0)))
    rows.sort(key=lambda r: (-r.red, -r.yellow, r.name))
    return rows


def require_visible_state(value: str) -> str:
    if value and value not in CaseState.values:
        raise Http404(_("Not found."))
    return value


def describe_incident(case: Case) -> dict[str, str]:
    from dangjian.core.ui import safe_reverse

    return {"label": str(_("Public statements")), "url": safe_reverse("cases:incident_public", case.number) or ""}


def public_incident(number: str) -> Case:
    """An incident by number, for its public statement page (no login; public steps only)."""
    from dangjian.cases import INCIDENT_SOURCE

    case = Case.objects.select_related("lead_department").filter(
        number=(number or "")[:20], source_kind=INCIDENT_SOURCE).first()
    if case is None:
        raise Http404(_("Not found."))
    return case


def memberships(department: Department) -> list[Any]:
    from dangjian.cases.models import DepartmentMember

    return list(DepartmentMember.objects.filter(department=department).select_related("user").order_by("role", "pk"))


def access_membership(department: Department, membership_id: Any) -> Any:
    """One membership of a department the caller already reached through ``access_department``."""
    from dangjian.cases.models import DepartmentMember

    try:
        return DepartmentMember.objects.select_related("department").get(department=department, pk=int(membership_id))
    except (DepartmentMember.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("Not found.")) from None


def active_user_by_username(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=(username or "").strip()[:150], is_active=True).first()
