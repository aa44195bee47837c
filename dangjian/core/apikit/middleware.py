"""Keep the API's error shape for the one response ninja builds itself: 405 Method Not Allowed."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from dangjian.core.apikit.errors import error_body

API_PREFIX = "/api/v1/"


class ApiMethodNotAllowedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith(API_PREFIX) \
                and not response.get("Content-Type", "").startswith("application/json"):
            json = JsonResponse(error_body("method_not_allowed", _("This method is not allowed here.")), status=405)
            if response.has_header("Allow"):
                json["Allow"] = response["Allow"]
            return json
        return response
