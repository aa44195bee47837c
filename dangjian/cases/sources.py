"""Where cases come from: a small registry so the case engine never imports its sources.

A source module (opinions now; reports, service applications, incidents later) registers a
``CaseSource`` from its ``AppConfig.ready()``::

    register_source(CaseSource(kind="opinion", label=_("Opinion"), describe=..., on_step=...))

``describe(case)`` → ``{"label": "YJ20261125-0001", "url": "/opinions/staff/7/"}`` for the staff
pages; ``on_step(case, kind, text)`` is called inside the case action's transaction after every
public step (assigned, accepted, replied, reopened, closed …), so the source can follow the case
(e.g. an opinion's status and public answer); ``voices(case)`` → the source's records behind the
case (an opinion and those merged into it) for the case page, each with ``tracking_no``,
``public_sender`` (masked), ``created_at`` and ``rating`` (what the page shows).

``authorize(user, source_id, path)`` lets a source that drives its cases itself (reports) decide
who takes their steps: ``True`` — this user may assign, accept, start, reply to and close the
case now (the source's own action is calling, it has checked its own permissions); ``False`` —
refused, even for the department's people or the county admin (the case must follow the source,
not run ahead of it); ``None`` (or no ``authorize``) — the case engine's own rules.
``announces_text=False``: the case's title and summary are not handed to text analysis (insight).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseSource:
    kind: str
    label: Any
    describe: Callable[[Any], dict[str, str]] | None = None
    on_step: Callable[[Any, str, str], None] | None = None
    voices: Callable[[Any], list[Any]] | None = None
    authorize: Callable[[Any, int | None, str], bool | None] | None = None
    announces_text: bool = True


_sources: dict[str, CaseSource] = {}


def register_source(source: CaseSource) -> CaseSource:
    _sources[source.kind] = source
    return source


def get_source(kind: str) -> CaseSource | None:
    return _sources.get(kind)


def source_kinds() -> list[str]:
    return sorted(_sources)


def describe(case: Any) -> dict[str, str]:
    source = _sources.get(case.source_kind)
    if source is None or source.describe is None:
        return {"label": case.source_kind, "url": ""}
    return source.describe(case)


def notify_step(case: Any, kind: str, text: str) -> None:
    source = _sources.get(case.source_kind)
    if source is not None and source.on_step is not None:
        source.on_step(case, kind, text)


def voices(case: Any) -> list[Any]:
    """The records the case came from, as the case page lists them (none for a source without)."""
    source = _sources.get(case.source_kind)
    if source is None or source.voices is None:
        return []
    return source.voices(case)


def authorized(kind: str, user: Any, source_id: int | None, path: str) -> bool | None:
    """The source's word on who may take a step of its case (see the module's doc), or None."""
    source = _sources.get(kind)
    if source is None or source.authorize is None:
        return None
    return source.authorize(user, source_id, path)


def silent_kinds() -> list[str]:
    """The sources whose cases are not handed to text analysis."""
    return sorted(kind for kind, source in _sources.items() if not source.announces_text)
