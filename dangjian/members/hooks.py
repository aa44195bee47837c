"""What the member registry plugs into core pages (registered in ``MembersConfig.ready()``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from dangjian.core.scoping import has_any
from dangjian.core.ui import safe_reverse
from dangjian.members.selectors import filter_members, members_for


def workbench_cards(request: HttpRequest) -> Iterable[dict[str, Any]]:
    """The workbench figure: current members in the user's scope."""
    user = request.user
    if not has_any(user, "members.view"):
        return []
    return [{
        "label": _("Current members in my scope"),
        "value": filter_members(members_for(user), user=user, status="current").count(),
        "url": safe_reverse("members:list"),
        "link": _("Open the member registry"),
        "order": 10,
    }]
