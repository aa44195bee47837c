"""What the organization tree plugs into core pages (registered in ``OrgsConfig.ready()``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from dangjian.core.hooks import SearchHit
from dangjian.core.scoping import has_any, scope_paths
from dangjian.core.ui import safe_reverse
from dangjian.orgs.search import SearchScope, search
from dangjian.orgs.selectors import orgs_for


def workbench_cards(request: HttpRequest) -> Iterable[dict[str, Any]]:
    """The workbench figure: organizations in the user's scope."""
    user = request.user
    if not has_any(user, "orgs.view"):
        return []
    return [{
        "label": _("Organizations in my scope"),
        "value": orgs_for(user).count(),
        "url": safe_reverse("orgs:tree"),
        "link": _("Open the organization tree"),
        "order": 20,
    }]


def _workbench_allowed(user: Any) -> bool:
    return has_any(user, "orgs.view")


def _workbench_within(user: Any) -> Any:
    return scope_paths(user, "orgs.view")


#: The workbench's search box: any organization (of any kind, active or not) in the user's
#: ``orgs.view`` scope — the organizations the tree shows them.
WORKBENCH_SCOPE = SearchScope("workbench", allowed=_workbench_allowed, kinds=frozenset(),
                              within=_workbench_within, active_only=False)


def find_orgs(user: Any, q: str, limit: int) -> list[SearchHit]:
    """Search provider "orgs": names in scope, through the indexed name search (scope before the
    limit; three queries at most). The detail is the chain of parent organizations."""
    hits, _more = search(WORKBENCH_SCOPE, user, q, limit=limit)
    return [SearchHit(title=h.name, url=safe_reverse("orgs:detail", h.pk) or "", detail=h.parent_path) for h in hits]
