"""Published public comments offered to opinion insight (``core.hooks.register_text_source``),
scoped by their owning organization; comments without one only to a county-wide reading."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dangjian.core.scoping import subtrees_q
from dangjian.portal import CommentStatus
from dangjian.portal.models import PublicComment


def record_of(c: PublicComment) -> dict[str, Any]:
    """One published comment as a text-source record."""
    return {"id": c.pk, "org_id": None, "org_path": c.org_path, "text": c.body, "category": "comment",
            "place": c.matter_title, "created_at": c.created_at, "resolved": None, "reopened": False,
            "departments": []}


def text_batches(paths: list[str] | None, since: Any, until: Any, size: int) -> Iterator[list[dict[str, Any]]]:
    qs = PublicComment.objects.filter(status=CommentStatus.APPROVED)
    if paths is not None:
        qs = qs.filter(subtrees_q(paths, "org_path")).exclude(org_path="")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    last = 0
    while True:
        comments = list(qs.filter(pk__gt=last).order_by("pk")[:size])
        if not comments:
            return
        yield [record_of(c) for c in comments]
        last = comments[-1].pk
