"""The workbench search box's "members" provider (registered in ``MembersConfig.ready()``).

Finds members in the user's ``members.view`` scope by name, full pinyin or initials, the visible
digits of a masked number, or — exactly, through the HMAC digests and only where the user may
see full numbers (``members.view_pii``) — a complete ID-card or phone number: the registry's own
search (``selectors.search``), applied to the scoped query before the limit. The hit's detail is
the organization and the status: never a number, full or masked (the query may have been one)."""

from __future__ import annotations

from typing import Any

from dangjian.core.hooks import SearchHit
from dangjian.core.ui import safe_reverse
from dangjian.members import MemberStatus
from dangjian.members.selectors import members_for, search


def find_members(user: Any, q: str, limit: int) -> list[SearchHit]:
    qs = search(members_for(user), q, user=user)
    rows = (qs.order_by("person__name_pinyin", "pk")
            .values_list("pk", "person__name", "organization__name", "status")[:limit])
    return [SearchHit(title=name, url=safe_reverse("members:detail", pk) or "",
                      detail=f"{org} · {MemberStatus(status).label}" if status in MemberStatus.values else org)
            for pk, name, org, status in rows]
