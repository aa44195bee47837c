"""API: the service centre (``/api/v1/services``).

- ``GET matters``: the catalogue for the caller; ``GET matters/{id}``: a matter with its current
  form schema (known fields carry the caller's platform data as ``value``).
- ``POST applications`` ``{matter, data}`` → the application with its computed chain (steps with
  organizations and deadlines); invalid data → 400 naming each field (``errors``), nothing stored.
  A file field's value is ``{"name": "证明.pdf", "content_base64": "…"}`` (PDF, JPEG or PNG, at most
  10 MB, checked like an upload on the page); bad base64 → 400 naming the field.
- ``GET applications``: the caller's applications (``count``, ``items`` with state and current
  step), a page at a time.
- ``GET documents/verify/{code}``: public; a document's key facts (name masked) and whether it is
  valid; unknown code → 404.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.security import django_auth

from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema, ObjectId
from dangjian.services import FieldType, State
from dangjian.services import documents as docs
from dangjian.services.actions import do_submit_application, known_for
from dangjian.services.forms import MAX_FILE_BYTES
from dangjian.services.models import Application, Step
from dangjian.services.selectors import access_matter, chain_of, current_steps, matters_for, my_applications

router = Router(tags=["services"], auth=read_auth)
write_auth = [token_auth, django_auth]
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, **READ_ERRORS}


class MatterItem(Schema):
    id: int
    title: str
    description: str
    organization: str
    audience: str
    time_limit_days: int
    grid_service: bool


class FormField(Schema):
    key: str
    label: str
    type: str
    required: bool
    rules: dict[str, Any]
    choices: list[str]
    known: str = Field("", description="Platform data filled in (never typed): name, organization, …")
    value: str = Field("", description="For known fields: the caller's current data.")


class MatterOut(MatterItem):
    form_version: int | None
    fields: list[FormField]


class ApplicationIn(InputSchema):
    matter: ObjectId
    data: dict[str, Any]
    organization: ObjectId | None = Field(None, description="Grid-service matters: the applicant's grid branch.")


class StepOut(Schema):
    position: int
    name: str
    organization: str
    state: str
    rule: str
    required: int
    opened_on: dt.date | None
    due_on: dt.date | None
    escalated_to: str | None


class ApplicationItem(Schema):
    id: str = Field(..., description="The application's public id.")
    number: str
    matter: str
    state: str = Field(..., json_schema_extra={"enum": list(State.values)})  # type: ignore[dict-item]
    submitted_on: dt.date | None
    due_on: dt.date | None
    current_step: StepOut | None


class ApplicationOut(ApplicationItem):
    form_version: int
    data: dict[str, Any]
    chain: list[StepOut]


class ApplicationFilters(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class ApplicationPage(Schema):
    items: list[ApplicationItem]
    count: int
    page: int
    page_size: int


class VerifyOut(Schema):
    valid: bool
    message: str
    facts: dict[str, str]
    revoked_at: dt.datetime | None


def _matter(m: Any) -> dict[str, Any]:
    return {"id": m.pk, "title": m.title, "description": m.description, "organization": m.organization.name,
            "audience": m.audience, "time_limit_days": m.time_limit_days, "grid_service": m.grid_service}


def _step(s: Step | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"position": s.position, "name": s.name, "organization": s.organization.name, "state": s.state,
            "rule": s.rule, "required": s.required, "opened_on": s.opened_on, "due_on": s.due_on,
            "escalated_to": s.escalated_to.name if s.escalated_to_id and s.escalated_to else None}


def _item(a: Application, current: Step | None) -> dict[str, Any]:
    return {"id": a.public_id, "number": a.number, "matter": a.matter.title, "state": a.state,
            "submitted_on": a.submitted_on, "due_on": a.due_on, "current_step": _step(current)}


def _files_from(fields: list[dict[str, Any]], data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """File fields sent as ``{"name", "content_base64"}``: decoded into uploads for the action
    (which checks them like the page's); the other answers unchanged."""
    rest, files, errors = dict(data), {}, {}
    for field in fields:
        key = field["key"]
        value = data.get(key)
        if field.get("type") != FieldType.FILE or not isinstance(value, dict):
            continue
        rest.pop(key)
        encoded = str(value.get("content_base64") or "")
        if len(encoded) > (MAX_FILE_BYTES * 4) // 3 + 4:
            errors[key] = _("“%(field)s” must be at most 10 MB.") % {"field": field.get("label", key)}
            continue
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            errors[key] = _("“%(field)s”: content_base64 is not valid base64.") % {"field": field.get("label", key)}
            continue
        files[key] = SimpleUploadedFile(str(value.get("name") or "")[:200], content)
    if errors:
        raise ValidationError(errors)
    return rest, files


@router.get("/matters", response={200: list[MatterItem], **READ_ERRORS}, summary="The catalogue for me")
def list_matters(request: HttpRequest) -> list[dict[str, Any]]:
    return [_matter(m) for m in matters_for(api_user(request))[:500]]


@router.get("/matters/{matter_id}", response={200: MatterOut, **READ_ERRORS}, summary="A matter and its form")
def get_matter(request: HttpRequest, matter_id: ObjectId) -> dict[str, Any]:
    user = api_user(request)
    m = access_matter(user, matter_id)
    version = m.current_form()
    _member, known = known_for(user)
    fields = [{**f, "value": known.get(f["known"], "") if f.get("known") else ""} for f in (version.fields
                                                                                           if version else [])]
    return {**_matter(m), "form_version": version.number if version else None, "fields": fields}


@router.post("/applications", auth=write_auth, response={201: ApplicationOut, **WRITE_ERRORS},
             summary="Apply for a matter")
def create_application(request: HttpRequest, payload: ApplicationIn) -> Status[dict[str, Any]]:
    user = api_user(request)
    matter = access_matter(user, payload.matter)
    version = matter.current_form()
    data, files = _files_from(version.fields if version else [], payload.data)
    app = do_submit_application(matter, data, files=files, organization=payload.organization, acting_user=user)
    chain = chain_of(app)
    current = next((s for s in chain if s.position == app.current_position), None)
    return Status(201, {**_item(app, current), "form_version": app.form_version.number, "data": app.data,
                             "chain": [_step(s) for s in chain]})


@router.get("/applications", response={200: ApplicationPage, **READ_ERRORS}, summary="My applications (paginated)")
def list_applications(request: HttpRequest, filters: Query[ApplicationFilters]) -> dict[str, Any]:
    qs = my_applications(api_user(request))
    size, start = filters.page_size, (filters.page - 1) * filters.page_size
    count = qs.count()
    rows = list(qs[start:start + size]) if start < count else []
    steps = current_steps(rows)
    return {"items": [_item(a, steps.get(a.pk)) for a in rows], "count": count,
            "page": filters.page, "page_size": size}


@router.get("/documents/verify/{code}", auth=None, response={200: VerifyOut, 404: ErrorOut},
            summary="Verify a document by the code in its QR code")
def verify_document(request: HttpRequest, code: str) -> dict[str, Any]:
    result = docs.verify(code)
    if not result.found:
        raise ApiError(404, "not_found", result.reason)
    return {"valid": result.valid, "message": result.reason, "facts": {k: str(v) for k, v in result.facts.items()},
            "revoked_at": result.revoked_at}
