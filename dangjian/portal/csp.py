"""The project's strict CSP everywhere, relaxed on the Wagtail admin path only.

Wagtail's admin uses inline styles and a few inline scripts and shows page previews in a
same-origin iframe; the public portal pages keep the strict nonce policy.
"""

from __future__ import annotations

from typing import Any

from csp.constants import SELF
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


def is_admin_path(path: str) -> bool:
    return path.startswith(getattr(settings, "PORTAL_ADMIN_PREFIX", "/cms/"))


class PortalCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request: Any, response: Any, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and is_admin_path(request.path_info):
            # 'unsafe-inline' is ignored by browsers when a nonce is present, so no nonce here.
            parts.nonce = None
            parts.replace = {
                **(parts.replace or {}),
                "script-src": [SELF, "'unsafe-inline'"],
                "style-src": [SELF, "'unsafe-inline'"],
                "img-src": [SELF, "data:", "blob:"],
                "media-src": [SELF, "blob:"],
                "frame-src": [SELF],
                "frame-ancestors": [SELF],
            }
        return parts

    def process_response(self, request: Any, response: Any) -> Any:
        if is_admin_path(request.path_info) and "X-Frame-Options" not in response:
            response["X-Frame-Options"] = "SAMEORIGIN"  # page previews are same-origin iframes
        return super().process_response(request, response)
