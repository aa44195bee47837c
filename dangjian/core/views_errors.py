"""The site's own error pages (issue 13 §5): 400, 403, 404, 429, 500 and a failed CSRF check
answer with a phone-sized page in the request's language (Chinese by default) and a way back,
instead of Django's bare English text. Installed by ``handler400``…``handler500`` in
``dangjian.urls`` and ``CSRF_FAILURE_VIEW``; ``handler429`` there is asked for by allauth when
one of its rate limits refuses (``core.allauth_ratelimit``)."""

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


@requires_csrf_token
def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """allauth's answer when one of its rate limits refuses (``core.allauth_ratelimit``), with the
    wait until the limit's window ends, also as ``Retry-After``."""
    from django.utils.translation import ngettext

    from dangjian.core.allauth_ratelimit import RETRY_AFTER_ATTR

    wait = int(getattr(request, RETRY_AFTER_ATTR, 0) or 0)
    if wait > 90:
        minutes = (wait + 59) // 60
        detail = ngettext("Try again in %(n)d minute.", "Try again in %(n)d minutes.", minutes) % {"n": minutes}
    elif wait > 0:
        detail = ngettext("Try again in %(n)d second.", "Try again in %(n)d seconds.", wait) % {"n": wait}
    else:
        detail = _("Try again later.")
    response = _render(request, 429, _("Too many attempts"),
                       _("This was tried too many times in a short while, from here or for this account. Nothing "
                         "was done this time."), detail)
    if wait > 0:
        response["Retry-After"] = str(wait)
    return response


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
