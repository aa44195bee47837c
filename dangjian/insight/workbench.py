"""What opinion insight adds to the workbench and the navigation (through core.hooks)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.scoping import has_any
from dangjian.core.todos import Todo
from dangjian.insight.selectors import latest_run


def may_view(user: Any) -> bool:
    return has_any(user, "insight.view")


def workbench_cards(request: HttpRequest) -> list[dict[str, Any]]:
    """Analysts: the hot spots of the newest finished run they may see (two queries)."""
    user = request.user
    if not may_view(user):
        return []
    run = latest_run(user)
    count = run.topics.filter(merged_into__isnull=True).count() if run else 0
    return [{"label": _("Opinion hot spots"), "value": count, "url": reverse("insight:dashboard"),
             "link": _("Open opinion insight"), "order": 48}]


# --- the to-do of analysts: open alerts ---------------------------------------------------------

def alert_count(user: Any) -> int:
    from dangjian.insight.alert_selectors import open_alerts

    return open_alerts(user).count()


def alert_items(user: Any, limit: int) -> list[Todo]:
    from dangjian.insight.alert_selectors import open_alerts

    rows = open_alerts(user).order_by("-created_at", "-id")[:limit]
    return [Todo(title=_("Opinion alert: %(title)s") % {"title": a.title}, url=reverse("insight:alert", args=[a.pk]),
                 org=a.department_name, urgent=True, ref=f"insight_alert:{a.pk}") for a in rows]
