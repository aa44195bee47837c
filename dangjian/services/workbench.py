"""The service centre on the workbench: navigation visibility, to-dos, search. Reads only."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.hooks import SearchHit, Todo
from dangjian.core.scoping import has_any
from dangjian.services import State
from dangjian.services.chain import APPROVE, delegators_of
from dangjian.services.selectors import applications_for, inbox_for, my_applications


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def may_sign(user: Any) -> bool:
    """Who sees the inbox: an approver anywhere, or a delegate today."""
    return signed_in(user) and (has_any(user, APPROVE) or bool(delegators_of(user, timezone.localdate())))


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

