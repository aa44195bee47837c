"""JSON errors for the API: every error is ``{code, message, field?}`` with the right status.

Handlers are installed on the NinjaAPI by ``install(api)``. Bad input never becomes a 500:
request validation → 422, a domain ``ValidationError`` → 400, out of scope → 404 (no existence
leak), missing or bad credentials → 401, permission → 403, throttled → 429.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, AuthorizationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

if TYPE_CHECKING:
    from ninja import NinjaAPI

#: Location parts ninja puts in front of the field name; never shown as the field.
_LOC_NOISE = {"query", "path", "body", "header", "cookie", "form", "file", "payload", "filters", "data"}

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_error",
    429: "rate_limited",
}


class ApiError(Exception):
    """Raise from an endpoint to answer ``{code, message, field?}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, *, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": str(message)}
    if field:
        body["field"] = field
    body.update(extra)
    return body


def _field_from_loc(loc: Any) -> str | None:
    parts = [str(p) for p in (loc or ()) if isinstance(p, str) and p not in _LOC_NOISE]
    return ".".join(parts) or None


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any],
                headers: dict[str, str] | None = None) -> HttpResponse:
        response = api.create_response(request, body, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, exc.status, error_body(exc.code, exc.message, exc.field), exc.headers)

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors: list[dict[str, Any]] = []
        for err in exc.errors:
            field = _field_from_loc(err.get("loc"))
            rule = str(err.get("msg", "")) or _("invalid value")
            if field:
                message = _("Invalid value for “%(field)s”: %(rule)s.") % {"field": field, "rule": rule}
            else:
                message = _("Invalid request: %(rule)s.") % {"rule": rule}
            errors.append({"field": field, "message": message})
        first: dict[str, Any] = errors[0] if errors else {"field": None, "message": _("Invalid request.")}
        return respond(request, 422, error_body("validation_error", first["message"], first["field"], errors=errors))

    def on_django_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors: list[dict[str, Any]] = []
        if hasattr(exc, "error_dict"):
            for field, errs in exc.message_dict.items():
                for msg in errs:
                    errors.append({"field": None if field == "__all__" else field, "message": msg})
        else:
            errors = [{"field": None, "message": msg} for msg in exc.messages]
        first: dict[str, Any] = errors[0] if errors else {"field": None, "message": _("Invalid request.")}
        return respond(request, 400, error_body("invalid", first["message"], first["field"], errors=errors))

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 404, error_body("not_found", _("Not found.")))

    def on_permission(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 403, error_body("permission_denied", str(exc) or _("Permission denied.")))

    def on_authentication(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(
            request, 401,
            error_body("unauthorized", _("Authentication required: send “Authorization: Bearer <token>”.")),
            {"WWW-Authenticate": 'Bearer realm="api"'},
        )

    def on_authorization(request: HttpRequest, exc: Any) -> HttpResponse:
        return respond(request, 403, error_body("permission_denied", _("Permission denied.")))

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = _("Bad request: %(reason)s") % {"reason": str(exc)} if exc.status_code == 400 else str(exc)
        return respond(request, exc.status_code, error_body(code, message))

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_permission)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(AuthorizationError, on_authorization)
