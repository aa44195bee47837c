from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    large = bool(request.COOKIES.get("large_font") == "1")
    if user is not None and user.is_authenticated and getattr(user, "large_font", False):
        large = True
    return {
        "PLATFORM_NAME": settings.DANGJIAN.get("PLATFORM_NAME") or _("Dangjian Cloud"),
        "LARGE_FONT": large,
        "LANGUAGES_AVAILABLE": settings.LANGUAGES,
    }
