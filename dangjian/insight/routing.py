"""Routing suggestions for dispatchers (S10), offered to other modules through
``core.hooks.register_routing_advisor``: the departments most likely to own a text, learned by
the newest finished run whose subtree holds the text's organization, with the deciding words."""

from __future__ import annotations

from typing import Any

from dangjian.insight.models import Run, RunState


def run_for_path(org_path: str) -> Run | None:
    """The newest finished run (with its fitted models) whose subtree holds ``org_path``, the
    narrowest first; a text without an organization: a county-wide run."""
    runs = Run.objects.filter(state=RunState.DONE).exclude(bundle="").order_by("-org_path", "-finished_at", "-id")
    return next((r for r in runs.only("id", "org_path", "bundle", "finished_at")[:50]
                 if org_path.startswith(r.org_path) or (not org_path and len(r.org_path) <= 4)), None)


def suggest(text: str, org_path: str, k: int = 3) -> tuple[Run | None, list[dict[str, Any]]]:
    from dangjian.insight.selectors import bundle_of

    run = run_for_path(org_path or "")
    bundle = bundle_of(run) if run else None
    if bundle is None:
        return run, []
    return run, [{"department": s.label, "probability": round(s.probability, 4), "terms": s.terms}
                 for s in bundle.suggest(text, k=k)]


def advise(text: str, org_path: str) -> list[dict[str, Any]]:
    """The ``core.hooks`` routing advisor."""
    return suggest(text, org_path)[1]
