"""The service centre on the workbench: navigation visibility, to-dos, search. Reads only."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.hooks import SearchHit, Todo
from dangjian.core.scoping import has_any
from dangjian.services import State
from dangjian.services.chain import APPROVE, delegators_of, worker_grids
from dangjian.services.selectors import (
    applications_for,
    inbox_for,
    managed_grids,
    my_applications,
    open_volunteer_tasks,
    unstaffed_grids,
    volunteer_tasks_to_confirm,
)


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def may_sign(user: Any) -> bool:
    """Who sees the inbox: an approver anywhere, a grid worker, or a delegate today."""
    return signed_in(user) and (has_any(user, APPROVE) or is_grid_worker(user)
                                or bool(delegators_of(user, timezone.localdate())))


def is_grid_worker(user: Any) -> bool:
    return bool(worker_grids(user))


def manages_grids(user: Any) -> bool:
    return signed_in(user) and managed_grids(user).exists()


def unstaffed_count(user: Any) -> int:
    return unstaffed_grids(user).count()


def unstaffed_items(user: Any, limit: int) -> list[Todo]:
    """Grids with open requests and nobody there to sign them (they go to the organization above
    meanwhile): appoint a grid worker."""
    return [Todo(title=_("Appoint a grid worker for %(grid)s: its requests have nobody to sign them") % {
                "grid": g.name}, url=reverse("services:grid_workers"), org=g.name, urgent=True,
                 ref=f"service-grid:{g.pk}")
            for g in unstaffed_grids(user).only("pk", "name")[:limit]]


def sign_count(user: Any) -> int:
    return inbox_for(user).count()


def sign_items(user: Any, limit: int) -> list[Todo]:
    """Steps waiting for the user, overdue ones first (the inbox's order: earliest deadline)."""
    today = timezone.localdate()
    return [Todo(title=_("Sign “%(step)s” of %(number)s: %(matter)s") % {
                "step": s.name, "number": s.application.number, "matter": s.application.matter.title},
                 url=reverse("services:application", args=[s.application.public_id]), org=s.organization.name,
                 due=s.due_on, urgent=bool(s.due_on and s.due_on < today), ref=f"service-step:{s.pk}:{s.round}")
            for s in inbox_for(user)[:limit]]


def volunteer_count(user: Any) -> int:
    return open_volunteer_tasks(user).count()


def volunteer_items(user: Any, limit: int) -> list[Todo]:
    """Coming tasks of my communities I have not signed up for, soonest first."""
    return [Todo(title=_("Volunteer: %(task)s") % {"task": t.title},
                 url=reverse("services:volunteer_task", args=[t.pk]), org=t.organization.name, due=t.day,
                 ref=f"service-volunteer:{t.pk}")
            for t in open_volunteer_tasks(user)[:limit]]


def confirm_count(user: Any) -> int:
    return volunteer_tasks_to_confirm(user).count()


def confirm_items(user: Any, limit: int) -> list[Todo]:
    """Tasks whose day has come: confirm who took part (that earns their volunteering points)."""
    return [Todo(title=_("Confirm who took part: %(task)s") % {"task": t.title},
                 url=reverse("services:volunteer_task", args=[t.pk]), org=t.organization.name, due=t.day,
                 ref=f"service-volunteer-confirm:{t.pk}")
            for t in volunteer_tasks_to_confirm(user)[:limit]]


def _mine_waiting(user: Any) -> Any:
    return my_applications(user).filter(state__in=(State.SUPPLEMENT, State.RETURNED))


def my_count(user: Any) -> int:
    return _mine_waiting(user).count()


def my_items(user: Any, limit: int) -> list[Todo]:
    return [Todo(title=_("Supply material for %(number)s: %(matter)s") % {"number": a.number,
                                                                         "matter": a.matter.title}
                 if a.state == State.SUPPLEMENT else
                 _("Change and submit again %(number)s: %(matter)s") % {"number": a.number,
                                                                        "matter": a.matter.title},
                 url=reverse("services:application", args=[a.public_id]), urgent=True,
                 ref=f"service-application:{a.pk}:{a.state}")
            for a in _mine_waiting(user).order_by("updated_at", "pk")[:limit]]


def find_applications(user: Any, q: str, limit: int) -> list[SearchHit]:
    """Applications by number (BJ2026-000012, or its last digits)."""
    q = q.strip().upper()
    if not q or len(q) > 20:
        return []
    rows: Any = applications_for(user).defer("data_text")
    rows = rows.filter(number=q) if q.startswith("BJ") else rows.filter(number__endswith=q)
    return [SearchHit(title=f"{a.number} {a.matter.title}", url=reverse("services:application", args=[a.public_id]),
                      detail=f"{State(a.state).label} · {a.organization.name}") for a in rows[:limit]]

