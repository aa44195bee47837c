"""API: member development (``/api/v1/development/*``). Scoped by ``development.view``; out of
scope is a 404. Names only (ID-card numbers and phones are never sent here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ValidationError as PydanticError

from dangjian.core.apikit.auth import api_user, read_auth
from dangjian.core.apikit.errors import ApiError, validation_errors
from dangjian.core.apikit.schemas import MAX_ID, READ_ERRORS, ErrorOut, InputSchema, ObjectId, OrgRef
from dangjian.members.development import STEPS, FileStatus, Stage
from dangjian.members.development.actions import StepInput, Votes, clean_people, do_record_step
from dangjian.members.development.models import ApplicantFile, StepRecord
from dangjian.members.development.selectors import access_file, files_for, filter_files, timeline
from dangjian.orgs.selectors import access_org

router = Router(tags=["development"], auth=read_auth)

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 25


def _enum_check(value: str | None, allowed: list[str], field: str) -> None:
    if value is not None and value not in allowed:
        raise ApiError(422, "validation_error", _("“%(field)s” must be one of: %(allowed)s.") % {
            "field": field, "allowed": ", ".join(allowed)}, field=field)


class FileFilters(Schema):
    org: int | None = Field(None, ge=1, le=MAX_ID, description="Organization id: its whole subtree.")
    stage: str | None = Field(None, json_schema_extra={"enum": list(Stage.values)})  # type: ignore[dict-item]
    status: str | None = Field(None, json_schema_extra={"enum": list(FileStatus.values)})  # type: ignore[dict-item]
    overdue: bool = False
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class FileItem(Schema):
    id: int
    name: str
    organization: OrgRef
    step: int
    step_name: str
    stage: str
    status: str
    applied_on: dt.date | None
    next_step: int | None
    next_due_on: dt.date | None
    due_kind: str


class FilePage(Schema):
    items: list[FileItem]
    count: int
    page: int
    page_size: int


class PersonOut(Schema):
    role: str
    name: str
    member: int | None


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


class RecordOut(Schema):
    id: int
    step: int
    step_name: str
    date: dt.date
    note: str
    people: list[PersonOut]
    documents: list[DocumentOut]
    entitled: int | None
    present: int | None
    written: int | None
    yes: int | None
    no: int | None
    abstain: int | None


class FileDetail(FileItem):
    activist_on: dt.date | None
    candidate_on: dt.date | None
    assembly_on: dt.date | None
    probation_ends_on: dt.date | None
    notice_starts_on: dt.date | None
    notice_ends_on: dt.date | None
    member: int | None
    records: list[RecordOut]


class PersonIn(InputSchema):
    role: str = Field(..., max_length=20)
    member: int | None = Field(None, ge=1, le=MAX_ID)
    name: str = Field("", max_length=64)


class VotesIn(InputSchema):
    entitled: int = Field(..., ge=0, le=100000)
    present: int = Field(..., ge=0, le=100000)
    written: int = Field(0, ge=0, le=100000)
    yes: int = Field(..., ge=0, le=100000)
    no: int = Field(..., ge=0, le=100000)
    abstain: int = Field(..., ge=0, le=100000)


class StepIn(InputSchema):
    step: int = Field(..., ge=1, le=25, description="Must be the file's next step.")
    date: dt.date
    note: str = Field("", max_length=5000)
    late_reason: str = Field("", max_length=2000)
    special: bool = False
    people: list[PersonIn] = Field(default_factory=list, max_length=20)
    votes: VotesIn | None = None
    training_days: int | None = Field(None, ge=0, le=365)
    training_hours: int | None = Field(None, ge=0, le=2000)


def _item(f: ApplicantFile) -> dict[str, Any]:
    return {
        "id": f.pk, "name": f.person.name, "organization": {"id": f.organization_id, "name": f.organization.name},
        "step": f.step, "step_name": str(STEPS[f.step].name) if f.step else "", "stage": f.stage,
        "status": f.status, "applied_on": f.applied_on, "next_step": f.next_step, "next_due_on": f.next_due_on,
        "due_kind": f.due_kind,
    }


def _record(r: StepRecord) -> dict[str, Any]:
    return {
        "id": r.pk, "step": r.step, "step_name": r.step_name, "date": r.date, "note": r.note,
        "people": [{"role": p.role, "name": p.name, "member": p.member_id} for p in r.people.all()],
        "documents": [{"id": d.pk, "name": d.name, "content_type": d.content_type, "size": d.size}
                      for d in r.documents.all()],
        "entitled": r.entitled, "present": r.present, "written": r.written, "yes": r.yes, "no": r.no,
        "abstain": r.abstain,
    }


def _detail(f: ApplicantFile) -> dict[str, Any]:
    return {
        **_item(f), "activist_on": f.activist_on, "candidate_on": f.candidate_on, "assembly_on": f.assembly_on,
        "probation_ends_on": f.probation_ends_on, "notice_starts_on": f.notice_starts_on,
        "notice_ends_on": f.notice_ends_on, "member": f.member_id, "records": [_record(r) for r in timeline(f)],
    }


@router.get("/files", response={200: FilePage, **READ_ERRORS}, summary="Applicant files in scope, paginated")
def list_files(request: HttpRequest, filters: Query[FileFilters]) -> Any:
    user = api_user(request)
    _enum_check(filters.stage, list(Stage.values), "stage")
    _enum_check(filters.status, list(FileStatus.values), "status")
    org_path = access_org(user, filters.org, perm="development.view").path if filters.org is not None else None
    qs = filter_files(files_for(user), org_path=org_path, stage=filters.stage, status=filters.status,
                      overdue=filters.overdue)
    count = qs.count()
    size = filters.page_size
    start = (filters.page - 1) * size
    rows = list(qs.order_by("org_path", "pk")[start:start + size]) if start < count else []
    return {"items": [_item(f) for f in rows], "count": count, "page": filters.page, "page_size": size}


@router.get("/files/{file_id}", response={200: FileDetail, **READ_ERRORS}, summary="One file with its timeline")
def get_file(request: HttpRequest, file_id: Path[ObjectId]) -> Any:
    return _detail(access_file(api_user(request), file_id))


@router.post("/files/{file_id}/steps", response={201: FileDetail, 400: ErrorOut, 403: ErrorOut, **READ_ERRORS},
             summary="Record the file's next step")
def record_step(request: HttpRequest, file_id: Path[ObjectId], payload: StepIn) -> Any:
    return _record_step(request, file_id, payload, [])


def _record_step(request: HttpRequest, file_id: int, payload: StepIn, uploads: list[Any]) -> Any:
    user = api_user(request)
    f = access_file(user, file_id)
    people = clean_people([p.dict() for p in payload.people], f)
    votes = Votes(**payload.votes.dict()) if payload.votes else None
    details = {k: v for k, v in (("training_days", payload.training_days),
                                 ("training_hours", payload.training_hours)) if v is not None}
    inp = StepInput(date=payload.date, note=payload.note, late_reason=payload.late_reason,
                    special=payload.special, people=people, votes=votes, details=details)
    do_record_step(f, payload.step, inp, uploads, acting_user=user)
    return Status(201, _detail(access_file(user, file_id)))


MAX_DATA_CHARS = 20_000


@router.post("/files/{file_id}/steps/upload",
             response={201: FileDetail, 400: ErrorOut, 403: ErrorOut, **READ_ERRORS},
             summary="Record the file's next step with documents (multipart/form-data)",
             description="Form field `data`: the same JSON object as `POST /files/{id}/steps`; file fields "
                         "`documents` (repeatable): PDF, JPEG, PNG or .docx, checked by extension and leading "
                         "bytes, at most 10 per step and `MAX_UPLOAD_MB` each — the same checks as the page.")
def record_step_with_documents(request: HttpRequest, file_id: Path[ObjectId], data: Form[str],
                               documents: File[list[UploadedFile]] = None) -> Any:  # type: ignore[assignment]
    if len(data) > MAX_DATA_CHARS:
        raise ApiError(422, "validation_error", _("“%(field)s” must be at most %(max_length)s characters long.") % {
            "field": "data", "max_length": MAX_DATA_CHARS}, field="data")
    try:
        payload = StepIn.model_validate_json(data)
    except PydanticError as exc:
        errors = validation_errors(exc.errors())
        first = errors[0] if errors else {"field": "data", "message": _("The request body is not valid.")}
        raise ApiError(422, "validation_error", first["message"], field=first["field"] or "data") from None
    return _record_step(request, file_id, payload, list(documents or []))
