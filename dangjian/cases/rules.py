"""Who may do what with departments and cases, and the configurable deadlines (reads only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dangjian.cases import (
    DEFAULT_DEADLINE_WORKDAYS,
    DEFAULT_DUE_SOON_WORKDAYS,
    DEFAULT_REMIND_WORKDAYS,
    CaseCategory,
    MemberRole,
)
from dangjian.core import workdays
from dangjian.core.scoping import in_scope

ACTING_ROLES = (MemberRole.HEAD, MemberRole.HANDLER)


def deadline_workdays(category: str) -> int:
    """Working days allowed for a category: ``settings.CASES_DEADLINE_WORKDAYS`` over the defaults."""
    configured = getattr(settings, "CASES_DEADLINE_WORKDAYS", None) or {}
    value = configured.get(category, DEFAULT_DEADLINE_WORKDAYS.get(category, DEFAULT_DEADLINE_WORKDAYS[
        CaseCategory.COMPLAINT]))
    return max(1, int(value))


def co_deadline_workdays() -> int:
    from dangjian.cases import DEFAULT_CO_DEADLINE_WORKDAYS

    return max(1, int(getattr(settings, "CASES_CO_DEADLINE_WORKDAYS", DEFAULT_CO_DEADLINE_WORKDAYS)))


def co_deadline(start: dt.datetime, case_deadline: dt.date) -> dt.date:
    """When a co-department's input is due: ``co_deadline_workdays()`` after ``start``, but never
    after the case's own deadline."""
    return min(workdays.deadline(start, co_deadline_workdays()), case_deadline)


def due_soon_workdays() -> int:
    return max(0, int(getattr(settings, "CASES_DUE_SOON_WORKDAYS", DEFAULT_DUE_SOON_WORKDAYS)))


def remind_workdays() -> int:
    return max(0, int(getattr(settings, "CASES_REMIND_WORKDAYS", DEFAULT_REMIND_WORKDAYS)))


def compute_deadline(category: str, start: dt.datetime | None = None) -> tuple[int, dt.date]:
    days = deadline_workdays(category)
    return days, workdays.deadline(start or timezone.now(), days)


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Open cases past their deadline: the deadline day is over, or (incidents) the due hour passed."""
    now = now or timezone.now()
    return Q(deadline__lt=timezone.localdate(now)) | Q(due_at__lt=now)


def incident_hours() -> int:
    from dangjian.cases import DEFAULT_INCIDENT_HOURS

    return max(1, int(getattr(settings, "CASES_INCIDENT_HOURS", DEFAULT_INCIDENT_HOURS)))


def _memberships(user: Any) -> list[tuple[int, str]]:
    """(department id, role) of the user's department memberships, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cache = user.__dict__.get("_dj_case_depts")
    if cache is None:
        from dangjian.cases.models import DepartmentMember

        cache = list(DepartmentMember.objects.filter(user=user, department__is_active=True)
                     .values_list("department_id", "role"))
        user.__dict__["_dj_case_depts"] = cache
    return cache


def acting_department_ids(user: Any) -> set[int]:
    """Departments the user acts for (head or handler)."""
    return {d for d, role in _memberships(user) if role in ACTING_ROLES}


def supervised_department_ids(user: Any) -> set[int]:
    return {d for d, role in _memberships(user) if role in (MemberRole.SUPERVISOR, MemberRole.HEAD)}


def member_department_ids(user: Any) -> set[int]:
    return {d for d, _role in _memberships(user)}


def acts_for(user: Any, department_id: int) -> bool:
    return bool(getattr(user, "is_superuser", False)) or department_id in acting_department_ids(user)


def can_supervise(user: Any, case: Any) -> bool:
    return in_scope(user, "cases.supervise", case.org_path) or case.lead_department_id in {
        d for d, role in _memberships(user) if role == MemberRole.SUPERVISOR}


def can_assign(user: Any, case: Any) -> bool:
    return in_scope(user, "cases.assign", case.org_path)


def can_hold_accountable(user: Any, case: Any) -> bool:
    return in_scope(user, "cases.accountability", case.org_path)
