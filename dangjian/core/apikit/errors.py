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
from django.utils.translation import gettext_lazy
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


# Our own, translated wording for pydantic's error types (its messages are English only, so a
# Chinese request got "“title”的值无效：Field required。"). Each names the field; ``%(…)s`` other
# than the field come from the error's context (limits).
_RULES: dict[str, Any] = {
    "missing": gettext_lazy("“%(field)s” is required."),
    "extra_forbidden": gettext_lazy("“%(field)s” is not a field of this request."),
    "string_too_long": gettext_lazy("“%(field)s” must be at most %(max_length)s characters long."),
    "string_too_short": gettext_lazy("“%(field)s” must be at least %(min_length)s characters long."),
    "too_long": gettext_lazy("“%(field)s” must have at most %(max_length)s items."),
    "too_short": gettext_lazy("“%(field)s” must have at least %(min_length)s items."),
    "greater_than": gettext_lazy("“%(field)s” must be greater than %(gt)s."),
    "greater_than_equal": gettext_lazy("“%(field)s” must be at least %(ge)s."),
    "less_than": gettext_lazy("“%(field)s” must be less than %(lt)s."),
    "less_than_equal": gettext_lazy("“%(field)s” must be at most %(le)s."),
    "multiple_of": gettext_lazy("“%(field)s” must be a multiple of %(multiple_of)s."),
    "int_parsing": gettext_lazy("“%(field)s” must be a whole number."),
    "int_type": gettext_lazy("“%(field)s” must be a whole number."),
    "int_from_float": gettext_lazy("“%(field)s” must be a whole number."),
    "float_parsing": gettext_lazy("“%(field)s” must be a number."),
    "float_type": gettext_lazy("“%(field)s” must be a number."),
    "decimal_parsing": gettext_lazy("“%(field)s” must be a number."),
    "decimal_type": gettext_lazy("“%(field)s” must be a number."),
    "decimal_max_digits": gettext_lazy("“%(field)s” has too many digits."),
    "decimal_max_places": gettext_lazy("“%(field)s” has too many decimal places."),
    "finite_number": gettext_lazy("“%(field)s” must be a finite number."),
    "bool_parsing": gettext_lazy("“%(field)s” must be true or false."),
    "bool_type": gettext_lazy("“%(field)s” must be true or false."),
    "string_type": gettext_lazy("“%(field)s” must be text."),
    "string_pattern_mismatch": gettext_lazy("“%(field)s” does not have the expected format."),
    "date_parsing": gettext_lazy("“%(field)s” must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": gettext_lazy("“%(field)s” must be a date (YYYY-MM-DD)."),
    "date_from_datetime_inexact": gettext_lazy("“%(field)s” must be a date (YYYY-MM-DD)."),
    "date_type": gettext_lazy("“%(field)s” must be a date (YYYY-MM-DD)."),
    "datetime_parsing": gettext_lazy("“%(field)s” must be a date and time (ISO 8601)."),
    "datetime_from_date_parsing": gettext_lazy("“%(field)s” must be a date and time (ISO 8601)."),
    "datetime_type": gettext_lazy("“%(field)s” must be a date and time (ISO 8601)."),
    "time_parsing": gettext_lazy("“%(field)s” must be a time (HH:MM)."),
    "enum": gettext_lazy("“%(field)s” is not one of the allowed values."),
    "literal_error": gettext_lazy("“%(field)s” is not one of the allowed values."),
    "list_type": gettext_lazy("“%(field)s” must be a list."),
    "dict_type": gettext_lazy("“%(field)s” must be an object."),
    "model_type": gettext_lazy("“%(field)s” must be an object."),
    "model_attributes_type": gettext_lazy("“%(field)s” must be an object."),
    "uuid_parsing": gettext_lazy("“%(field)s” does not have the expected format."),
    "url_parsing": gettext_lazy("“%(field)s” must be a web address."),
    "url_scheme": gettext_lazy("“%(field)s” must be a web address."),
}


def validation_message(err: dict[str, Any], field: str | None) -> str:
    """One pydantic error in the request's language, naming ``field`` (the body as a whole when
    there is none). A ``ValueError`` raised by our own validator carries our translated text."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind == "value_error" and ctx.get("error") is not None:
        reason = str(ctx["error"])
        return _("“%(field)s”: %(reason)s") % {"field": field, "reason": reason} if field else reason
    if not field:
        if kind == "missing":
            return _("The request body is missing.")
        return _("The request body is not valid.")
    rule = _RULES.get(kind)
    if rule is None:
        return _("“%(field)s” is not valid.") % {"field": field}
    values = {"field": field, **{k: v for k, v in ctx.items() if isinstance(v, (int, float, str))}}
    try:
        return str(rule) % values
    except (KeyError, TypeError, ValueError):  # a context value pydantic did not give
        return _("“%(field)s” is not valid.") % {"field": field}


def validation_errors(errors: Any) -> list[dict[str, Any]]:
    """pydantic's errors as ``[{field, message}]``, messages in the request's language."""
    out = []
    for err in errors:
        field = _field_from_loc(err.get("loc"))
        out.append({"field": field, "message": validation_message(err, field)})
    return out


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
        errors = validation_errors(exc.errors)
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
        # ninja's only 400 is an unreadable body ("Cannot parse request body", English): our words.
        message = _("The request body is not valid JSON.") if exc.status_code == 400 else str(exc)
        return respond(request, exc.status_code, error_body(code, message))

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(NinjaValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_django_validation)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_permission)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(AuthorizationError, on_authorization)
