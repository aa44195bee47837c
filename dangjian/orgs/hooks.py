"""What the organization tree plugs into core pages (registered in ``OrgsConfig.ready()``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from dangjian.core.scoping import has_any
from dangjian.core.ui import safe_reverse
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
