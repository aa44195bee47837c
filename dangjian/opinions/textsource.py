"""Opinions offered to opinion insight (``core.hooks.register_text_source``): title and body,
the place, and the outcome and routing history of the case each became."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dangjian.cases.textsource import outcome, routing_history
from dangjian.core.scoping import subtrees_q
from dangjian.opinions.models import Opinion


def record_of(o: Opinion) -> dict[str, Any]:
    """One opinion as a text-source record (without its case: a new opinion has none yet)."""
    return {"id": o.pk, "org_id": o.place_id, "org_path": o.org_path, "text": f"{o.title}\n{o.body}".strip(),
            "category": o.kind, "place": o.place.name if o.place else o.place_text, "created_at": o.created_at,
            "resolved": None, "reopened": False, "departments": []}


def text_batches(paths: list[str] | None, since: Any, until: Any, size: int) -> Iterator[list[dict[str, Any]]]:
    qs = Opinion.objects.select_related("place", "case__lead_department")
    if paths is not None:
        qs = qs.filter(subtrees_q(paths, "org_path"))
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    last = 0
    while True:
        opinions = list(qs.filter(pk__gt=last).order_by("pk")[:size])
        if not opinions:
            return
        history = routing_history([o.case_id for o in opinions if o.case_id])
        batch = []
        for o in opinions:
            record = record_of(o)
            if o.case is not None:
                record.update(outcome(o.case, history))
            batch.append(record)
        yield batch
        last = opinions[-1].pk
