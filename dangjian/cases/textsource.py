"""Cases offered to opinion insight (``core.hooks.register_text_source``): the cases that did not
come from an opinion (those the opinions module offers with their own words), and for every case
the departments it went through — what routing suggestions learn from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from dangjian.cases import CaseState, EventKind, sources
from dangjian.cases.models import Case, CaseEvent
from dangjian.core.scoping import subtrees_q

RESOLVED = frozenset({CaseState.REPLIED, CaseState.RATED, CaseState.CLOSED})


def routing_history(case_ids: list[int]) -> dict[int, list[str]]:
    """The departments each case was assigned to, in order (one query), consecutive repeats dropped."""
    history: dict[int, list[str]] = {}
    events = (CaseEvent.objects.filter(case_id__in=case_ids, kind__in=[EventKind.ASSIGNED, EventKind.REASSIGNED],
                                       department__isnull=False)
              .order_by("case_id", "at", "id").values_list("case_id", "department__name"))
    for case_id, name in events:
        names = history.setdefault(case_id, [])
        if not names or names[-1] != name:
            names.append(name)
    return history


def outcome(case: Any, history: dict[int, list[str]]) -> dict[str, Any]:
    """The outcome fields of a text source record for ``case`` (its lead department last)."""
    departments = list(history.get(case.pk, []))
    lead = case.lead_department.name
    if not departments or departments[-1] != lead:
        departments.append(lead)
    return {"resolved": case.state in RESOLVED, "reopened": case.reopen_count > 0, "departments": departments}


def record_of(c: Case, history: dict[int, list[str]]) -> dict[str, Any]:
    """One case as a text-source record (``c.lead_department`` is read)."""
    return {"id": c.pk, "org_id": c.lead_department.organization_id, "org_path": c.org_path,
            "text": f"{c.title}\n{c.summary}".strip(), "category": c.category, "place": "",
            "created_at": c.created_at, **outcome(c, history)}


def text_batches(paths: list[str] | None, since: Any, until: Any, size: int) -> Iterator[list[dict[str, Any]]]:
    qs = Case.objects.exclude(source_kind__in=["opinion", *sources.silent_kinds()]).select_related("lead_department")
    if paths is not None:
        qs = qs.filter(subtrees_q(paths, "org_path"))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    last = 0
    while True:
        cases = list(qs.filter(Q(pk__gt=last)).order_by("pk")[:size])
        if not cases:
            return
        history = routing_history([c.pk for c in cases])
        yield [record_of(c, history) for c in cases]
        last = cases[-1].pk
