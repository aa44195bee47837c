"""Forum threads offered to opinion insight (``core.hooks.register_text_source``). Threads belong
to no organization, so they are offered only to a county-wide reading (``paths`` None); threads
that became opinions are left to the opinions source, hidden and deleted ones are not offered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dangjian.opinions.forum.models import Thread


def record_of(t: Thread) -> dict[str, Any]:
    """One thread as a text-source record (``t.board`` is read)."""
    return {"id": t.pk, "org_id": None, "org_path": "", "text": f"{t.title}\n{t.body}".strip(),
            "category": t.board.name, "place": "", "created_at": t.created_at, "resolved": None,
            "reopened": False, "departments": []}


def text_batches(paths: list[str] | None, since: Any, until: Any, size: int) -> Iterator[list[dict[str, Any]]]:
    if paths is not None:
        return
    qs = Thread.objects.filter(is_hidden=False, is_deleted=False, opinion__isnull=True).select_related("board")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    last = 0
    while True:
        threads = list(qs.filter(pk__gt=last).order_by("pk")[:size])
        if not threads:
            return
        yield [record_of(t) for t in threads]
        last = threads[-1].pk
