"""What the overview screen plugs into core pages (registered in ``StatsConfig.ready()``): the
workbench's key figures, linking to the screen."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import stats
from dangjian.core.scoping import has_any
from dangjian.orgs.selectors import scope_roots
from dangjian.stats import screen
from dangjian.stats.selectors import may_view_aggregates

#: The workbench's key figures, first registered first (the workbench already counts members and
#: organizations in its own cards); at most CARD_COUNT of them.
CARD_FIGURES = ("dues.collection_rate", "orglife.compliance_rate", "cases.on_time_rate", "development.admitted",
                "members.joined", "orgs.branches", "members.total")
CARD_COUNT = 3


def workbench_cards(request: HttpRequest) -> Iterable[dict[str, Any]]:
    """Up to three key figures for the top of the user's ``stats.view`` scope, each linking to
    the overview screen. Values are kept as long as the screen's (one query each when cold)."""
    user = request.user
    if not has_any(user, "stats.view"):
        return []
    roots = scope_roots(user, "stats.view")
    if not roots:
        return []
    org = roots[0]
    figures = [f for f in (stats.get_figure(k) for k in CARD_FIGURES)
               if f is not None and may_view_aggregates(user, f, org)][:CARD_COUNT]
    if not figures:
        return []
    today = timezone.localdate()
    raw = f"{org.path}|{today.isoformat()}|{','.join(f.key for f in figures)}"
    key = screen.CACHE_PREFIX + "card:" + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
    values = cache.get(key)
    if values is None:
        values = [screen.plain(stats.figure_value(f, org.path, today)) for f in figures]
        cache.set(key, values, screen.CACHE_SECONDS)
    url = reverse("stats:screen")
    return [{
        "label": str(f.label), "value": screen.display(v) + (str(f.unit) if v is not None and f.unit else ""),
        "url": url, "link": _("Open the overview screen"), "order": 60 + i,
    } for i, (f, v) in enumerate(zip(figures, values, strict=True))]
