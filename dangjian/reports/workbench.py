"""Reports on the workbench: the handlers' to-dos (to triage; feedback deadlines near), the
custodians' pending identity requests. Envelope data only."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core.hooks import SearchHit, Todo
from dangjian.core.workdays import add_workdays
from dangjian.reports.choices import WARN_WORKDAYS, State
from dangjian.reports.models import Report
from dangjian.reports.selectors import identity_requests_to_decide, may_handle, reports_for


def _triage_qs(user: Any) -> QuerySet[Report]:
    return reports_for(user, state=State.RECEIVED)


def triage_count(user: Any) -> int:
    return _triage_qs(user).count()


def triage_items(user: Any, limit: int) -> list[Todo]:
    today = timezone.localdate()
    soon = add_workdays(today, WARN_WORKDAYS)
    return [Todo(title=_("Triage report %(number)s (forward by %(due)s)") % {"number": r.number, "due": r.forward_due},
                 url=reverse("reports:detail", args=[r.uuid]), due=r.forward_due, urgent=r.forward_due <= soon,
                 ref=f"report:{r.pk}:triage")
            for r in _triage_qs(user)[:limit]]


def feedback_due_q() -> Q:
    """Real-name reports whose reporter is owed feedback (of acceptance, or of the outcome)."""
    accepted = Q(accept_feedback_due__isnull=False) & (Q(feedback_given_on__isnull=True)
                                                       | Q(feedback_given_on__lt=F("accepted_on")))
    closed = Q(close_feedback_due__isnull=False) & (Q(feedback_given_on__isnull=True)
                                                    | Q(feedback_given_on__lt=F("closed_on")))
    return Q(real_name=True) & (accepted & Q(state__in=(State.ACCEPTED, State.DISPOSING))
                                | closed & Q(state=State.CLOSED))


def _feedback_qs(user: Any) -> QuerySet[Report]:
    return reports_for(user).filter(feedback_due_q())


def feedback_count(user: Any) -> int:
    return _feedback_qs(user).count()


def feedback_items(user: Any, limit: int) -> list[Todo]:
    today = timezone.localdate()
    soon = add_workdays(today, WARN_WORKDAYS)
    items = []
    for r in _feedback_qs(user)[:limit]:
        due = r.close_feedback_due if r.state == State.CLOSED else r.accept_feedback_due
        items.append(Todo(title=_("Give the real-name reporter of %(number)s feedback") % {"number": r.number},
                          url=reverse("reports:detail", args=[r.uuid]), due=due,
                          urgent=due is not None and due <= soon, ref=f"report:{r.pk}:feedback"))
    return items


def custodian_count(user: Any) -> int:
    return identity_requests_to_decide(user).count()


def custodian_items(user: Any, limit: int) -> list[Todo]:
    return [Todo(title=_("Decide on opening the reporter's identity of %(number)s") % {"number": q.report.number},
                 url=reverse("reports:custodian"), ref=f"report:{q.report_id}:identity:{q.pk}")
            for q in identity_requests_to_decide(user)[:limit]]


def may_list(user: Any) -> bool:
    return may_handle(user)


def find_reports(user: Any, q: str, limit: int) -> list[SearchHit]:
    """The one search box: a report by its number (envelope data only; content is never searched)."""
    if not may_handle(user) or len(q) < 4:
        return []
    rows = reports_for(user).filter(number__icontains=q.strip())[:limit]
    return [SearchHit(title=r.number, url=reverse("reports:detail", args=[r.uuid]),
                      detail=f"{State(r.state).label} · {r.received_on:%Y-%m-%d}") for r in rows]
