"""The /api/v1/docs page: Swagger UI served from our own static files (CSP allows 'self' only;
ninja's default would load it from a CDN). Files vendored by tools/vendor_swagger.sh."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger


class VendoredSwagger(Swagger):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": dict(self.settings), "api": api}
        return render(request, self.template, context)
