"""The site's own error pages (issue 13 §5): 400, 403, 404, 500 and a failed CSRF check answer
with a phone-sized page in the request's language (Chinese by default) and a way back, instead
of Django's bare English text. Installed by ``handler400``…``handler500`` in ``dangjian.urls``
and ``CSRF_FAILURE_VIEW``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token


def _back_url(request: HttpRequest) -> str | None:
    """The page the user came from, when it is on this site (never another site's address)."""
    referer = request.META.get("HTTP_REFERER", "")
    parts = urlsplit(referer)
    if not referer or parts.netloc != request.get_host() or parts.scheme not in ("http", "https"):
        return None
    return referer


def _render(request: HttpRequest, status: int, title: str, text: str, detail: str = "") -> HttpResponse:
    try:
        back = _back_url(request)
    except Exception:  # noqa: BLE001 - a bad Host header (the 400 itself) must not fail the page
        back = None
    context = {"status": status, "title": title, "text": text, "detail": detail, "back_url": back}
    return HttpResponse(loader.render_to_string("errors/page.html", context, request), status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400, _("Bad request"),
                   _("The request could not be understood. Check the address, or go back and try again."))


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Our PermissionDenied messages are written for the user ("Your role does not include cases.").
    detail = str(exception) if isinstance(exception, PermissionDenied) and exception.args else ""
    return _render(request, 403, _("Access denied"), _("You do not have permission to open this page."), detail)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404, _("Page not found"),
                   _("This page does not exist or is no longer available. A link you followed may be out of "
                     "date, or the item may be outside your organization."))


def server_error(request: HttpRequest) -> HttpResponse:
    """A standalone page without the site's layout, context processors or database: whatever
    broke must not break the error page too."""
    context: dict[str, Any] = {"title": _("Server error"),
                               "text": _("Something went wrong on our side. Please try again in a moment.")}
    return HttpResponse(loader.get_template("errors/500.html").render(context), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _render(request, 403, _("The form has expired"),
                   _("The form could not be sent: the page was open too long, or this browser blocks cookies. Go "
                     "back, reload the page and try again."))
