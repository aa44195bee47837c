"""What the reporter's routes leave behind: no address, user agent or time of day.

- Django's own logging of these routes (``django.request`` warnings, ``django.server``) carries
  the method, path and status only; the path holds no personal data (codes travel in POST bodies).
- Error reports (``mail_admins``): :func:`private_route` gives the request an exception reporter
  filter that drops every header (``META``: address, user agent), cookie, POST field and frame
  variable, so a crash mails the traceback's code lines only.
- gunicorn's access log (written by gunicorn itself, outside Django): :class:`AccessLogger`
  (``--logger-class dangjian.reports.privacy.AccessLogger``, ``tools/run.py``) writes for these
  paths only ``- - [-] "METHOD path" status -`` — no address, user, time, referer or user agent.
  Elsewhere it is ``core.logredact.GunicornLogger`` unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

from dangjian.core.logredact import GunicornLogger

#: Paths whose requests come from reporters (pages and API).
PRIVATE_PREFIXES = ("/reports/new/", "/reports/follow/", "/api/v1/reports")


def is_private(path: str) -> bool:
    return path.startswith(PRIVATE_PREFIXES)


class NothingFilter(SafeExceptionReporterFilter):
    """An exception reporter filter that lets nothing about the request through."""

    def get_safe_request_meta(self, request: Any) -> dict[str, Any]:
        return {}

    def get_safe_cookies(self, request: Any) -> dict[str, Any]:
        return {}

    def get_post_parameters(self, request: Any) -> dict[str, Any]:
        return {}

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> Any:
        return {}.items()


def mark_private(request: Any) -> None:
    """A reporter's request: its error reports carry nothing of it."""
    request.exception_reporter_filter = NothingFilter()


def private_route(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a reporter's page view (API operations call :func:`mark_private` themselves)."""

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        mark_private(request)
        return view(request, *args, **kwargs)

    return wrapped


class AccessLogger(GunicornLogger):  # type: ignore[misc]
    """gunicorn's access log, redacted everywhere and bare on the reporters' paths."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not is_private(str(environ.get("PATH_INFO", ""))):
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        status = str(getattr(resp, "status", "-")).split(None, 1)[0]
        self.access_log.info('- - [-] "%s %s" %s -', environ.get("REQUEST_METHOD", "-"),
                             environ.get("PATH_INFO", "-"), status)
