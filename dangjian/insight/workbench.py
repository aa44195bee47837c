"""What opinion insight adds to the workbench and the navigation (through core.hooks)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.scoping import has_any
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
