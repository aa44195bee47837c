"""The OpenAPI description of /api/v1, made true to what the API answers (schemathesis checks
every answer against it: ``dangjian/api/tests/test_schemathesis.py``).

ninja documents the codes an endpoint lists in ``response={...}``. The handlers in ``errors``
answer some codes for any operation, whatever it lists; ``Api`` documents them for every operation
that can get them, with the shared ``ErrorOut`` body:

* 401 ``unauthorized`` — an operation that requires authentication;
* 422 ``validation_error`` — an operation that takes parameters or a body (ninja's validation);
* 400 — an operation that takes a body (``bad_request``: not readable as JSON; ``invalid``: a
  domain ``ValidationError`` from the action).

Codes that depend on the endpoint (403, 404, 409, 429) stay in each router's ``response``.

It also refuses two different models under one component name: ninja keeps the last one it
meets, so an endpoint's answer was described by another endpoint's model of the same name
(orglife's ``PersonOut`` once replaced development's, whose ``member`` may be null).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from ninja import NinjaAPI
from ninja.openapi.schema import BODY_CONTENT_TYPES, REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.schema import NinjaGenerateJsonSchema

from dangjian.core.apikit.schemas import ErrorOut

_DESCRIPTIONS = {400: "Bad Request", 401: "Unauthorized", 422: "Unprocessable Entity"}


def plumbing_errors(operation: Operation) -> list[int]:
    """The error codes the API's own handlers may answer for ``operation``, whatever it lists."""
    codes = []
    if operation.auth_callbacks:
        codes.append(401)
    models = operation.models or []
    if any(getattr(m, "__ninja_param_source__", None) in BODY_CONTENT_TYPES for m in models):
        codes.append(400)
    if models:
        codes.append(422)
    return codes


class ApiSchema(OpenAPISchema):
    def responses(self, operation: Operation) -> dict[int, Any]:
        result = super().responses(operation)
        for status in plumbing_errors(operation):
            if status not in result:
                result[status] = {
                    "description": _DESCRIPTIONS[status],
                    "content": {self.api.renderer.media_type: {"schema": self._error_schema()}},
                }
        return dict(sorted(result.items()))

    def _error_schema(self) -> dict[str, Any]:
        schema = ErrorOut.model_json_schema(
            ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode="serialization",
        )
        definitions = schema.pop("$defs", {})
        self.add_schema_definitions({**definitions, ErrorOut.__name__: schema})
        return {"$ref": REF_TEMPLATE.format(model=ErrorOut.__name__)}

    def add_schema_definitions(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            known = self.schemas.get(name)
            if known is not None and known != definition:
                raise ImproperlyConfigured(
                    f"Two API schemas are both named {name!r} (OpenAPI would describe one with the other): "
                    f"rename one of them. {known} != {definition}"
                )
        super().add_schema_definitions(definitions)


class Api(NinjaAPI):
    """``NinjaAPI`` whose OpenAPI description documents the shared error answers (see above)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return ApiSchema(self, path_prefix)
