"""API: member lifecycle (``/api/v1/lifecycle/*``).

Reads accept a bearer token or the browser session; writes need a bearer token. Everything is
scoped: a certificate, request or member out of the caller's scope is a 404. Errors are
``{code, message, field}``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.schemas import MAX_ID, READ_ERRORS, ErrorOut, InputSchema, ObjectId, OrgRef
from dangjian.members.lifecycle import CertificateStatus, ChangeKind, LapseGround, RequestStatus
from dangjian.members.lifecycle.actions import (
    do_approve_status_request,
    do_issue_certificate,
    do_propose_status_change,
    do_reject_status_request,
)
from dangjian.members.lifecycle.models import FloatingCertificate, StatusChangeRequest
from dangjian.members.lifecycle.selectors import (
    access_certificate,
    access_request,
    certificates_for,
    filter_certificates,
    requests_for,
)
from dangjian.members.selectors import access_member
from dangjian.orgs.selectors import access_org

router = Router(tags=["lifecycle"], auth=read_auth)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
_CERT_FILTERS = ["valid", *CertificateStatus.values]


class FloatingFilters(Schema):
    org: int | None = Field(None, ge=1, le=MAX_ID, description="Organization id: certificates whose home or "
                                                                 "host branch lies in its subtree.")
    dir: str = Field("", description="“out” (home branch in org), “in” (hosted in org) or empty for both.",
                     json_schema_extra={"enum": ["", "out", "in"]})  # type: ignore[dict-item]
    status: str = Field("", description="A certificate status, or “valid” (issued and not past expiry).",
                        json_schema_extra={"enum": ["", *_CERT_FILTERS]})  # type: ignore[dict-item]
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class MemberRef(Schema):
    id: int
    name: str


class CertificateOut(Schema):
    id: int
    number: str
    member: MemberRef
    home_org: OrgRef
    host_org: OrgRef | None
    host_place: str
    host_unit: str
    abroad: bool
    reason: str
    issued_on: dt.date
    expires_on: dt.date
    status: str
    ended_on: dt.date | None


class CertificatePage(Schema):
    items: list[CertificateOut]
    count: int
    page: int
    page_size: int


class CertificateIn(InputSchema):
    member: int = Field(..., ge=1, le=MAX_ID)
    host_org: int | None = Field(None, ge=1, le=MAX_ID, description="Host branch on the platform.")
    host_place: str = Field("", max_length=200, description="Host place outside the platform.")
    host_unit: str = Field("", max_length=200)
    reason: str = Field(..., max_length=500)
    abroad: bool = False
    issued_on: dt.date | None = None
    expires_on: dt.date | None = Field(None, description="Default: issue date + the configured validity.")


class RequestIn(InputSchema):
    member: int = Field(..., ge=1, le=MAX_ID)
    kind: str = Field(..., json_schema_extra={"enum": list(ChangeKind.values)})  # type: ignore[dict-item]
    reason: str = Field(..., max_length=2000)
    effective_on: dt.date | None = None
    lost_contact_since: dt.date | None = None
    arrears_since: dt.date | None = None
    lapse_ground: str = Field("", json_schema_extra={"enum": ["", *LapseGround.values]})  # type: ignore[dict-item]
    extension_months: int | None = Field(None, ge=1, le=24, description="For kind 'extend': 6 to 12 months.")


class DecisionIn(InputSchema):
    note: str = Field("", max_length=2000)


class RequestOut(Schema):
    id: int
    member: MemberRef
    organization: OrgRef
    kind: str
    from_status: str
    member_status: str
    reason: str
    effective_on: dt.date
    lost_contact_since: dt.date | None
    arrears_since: dt.date | None
    lapse_ground: str
    extension_months: int | None
    status: str
    decision_note: str
    created_at: dt.datetime
    decided_at: dt.datetime | None


class RequestFilters(Schema):
    status: str = Field("", json_schema_extra={"enum": ["", *RequestStatus.values]})  # type: ignore[dict-item]
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class RequestPage(Schema):
    items: list[RequestOut]
    count: int
    page: int
    page_size: int


def _cert(c: FloatingCertificate) -> dict[str, Any]:
    return {
        "id": c.pk, "number": c.number, "member": {"id": c.member_id, "name": c.member.person.name},
        "home_org": {"id": c.home_org_id, "name": c.home_org.name},
        "host_org": {"id": c.host_org_id, "name": c.host_org.name} if c.host_org_id else None,  # type: ignore[union-attr]
        "host_place": c.host_place, "host_unit": c.host_unit, "abroad": c.abroad, "reason": c.reason,
        "issued_on": c.issued_on, "expires_on": c.expires_on, "status": c.status, "ended_on": c.ended_on,
    }


def _req(r: StatusChangeRequest) -> dict[str, Any]:
    m = r.member
    return {
        "id": r.pk, "member": {"id": m.pk, "name": m.person.name},
        "organization": {"id": m.organization_id, "name": m.organization.name},
        "kind": r.kind, "from_status": r.from_status, "member_status": m.status, "reason": r.reason,
        "effective_on": r.effective_on, "lost_contact_since": r.lost_contact_since,
        "arrears_since": r.arrears_since, "lapse_ground": r.lapse_ground,
        "extension_months": r.extension_months, "status": r.status,
        "decision_note": r.decision_note, "created_at": r.created_at, "decided_at": r.decided_at,
    }


def _bad(field: str, message: str) -> Any:
    from dangjian.core.apikit.errors import ApiError

    return ApiError(422, "validation_error", message, field=field)


@router.get("/floating", response={200: CertificatePage, **READ_ERRORS}, summary="Floating certificates in scope")
def list_floating(request: HttpRequest, filters: Query[FloatingFilters]) -> Any:
    from django.utils.translation import gettext as _

    user = api_user(request)
    if filters.dir not in ("", "out", "in"):
        raise _bad("dir", _("Use “out”, “in” or leave it empty."))
    if filters.status and filters.status not in _CERT_FILTERS:
        raise _bad("status", _("Unknown certificate status."))
    org_path = access_org(user, filters.org, perm="lifecycle.view").path if filters.org else None
    qs = filter_certificates(certificates_for(user), user=user, org_path=org_path, direction=filters.dir, status=filters.status)
    size = filters.page_size
    start = (filters.page - 1) * size
    count = qs.count()
    rows = list(qs.order_by("-issued_on", "-pk")[start:start + size]) if start < count else []
    return {"items": [_cert(c) for c in rows], "count": count, "page": filters.page, "page_size": size}


@router.get("/floating/{cert_id}", response={200: CertificateOut, **READ_ERRORS}, summary="One floating certificate")
def get_floating(request: HttpRequest, cert_id: Path[ObjectId]) -> Any:
    return _cert(access_certificate(api_user(request), cert_id))


@router.post("/floating", auth=token_auth, response={201: CertificateOut, **WRITE_ERRORS},
             summary="Issue a floating certificate")
def issue_floating(request: HttpRequest, payload: CertificateIn) -> Status:
    user = api_user(request)
    member = access_member(user, payload.member, perm="lifecycle.view")
    cert = do_issue_certificate(member, payload.dict(exclude={"member"}), acting_user=user)
    return Status(201, _cert(access_certificate(user, cert.pk)))


@router.get("/status-requests", response={200: RequestPage, **READ_ERRORS}, summary="Status-change requests in scope")
def list_requests(request: HttpRequest, filters: Query[RequestFilters]) -> Any:
    from django.utils.translation import gettext as _

    if filters.status and filters.status not in RequestStatus.values:
        raise _bad("status", _("Unknown request status."))
    qs = requests_for(api_user(request))
    if filters.status:
        qs = qs.filter(status=filters.status)
    size = filters.page_size
    start = (filters.page - 1) * size
    count = qs.count()
    rows = list(qs.order_by("-created_at", "-pk")[start:start + size]) if start < count else []
    return {"items": [_req(r) for r in rows], "count": count, "page": filters.page, "page_size": size}


@router.post("/status-requests", auth=token_auth, response={201: RequestOut, **WRITE_ERRORS},
             summary="Propose a status change (branch)")
def propose_request(request: HttpRequest, payload: RequestIn) -> Status:
    user = api_user(request)
    member = access_member(user, payload.member, perm="lifecycle.view")
    req = do_propose_status_change(member, payload.dict(exclude={"member"}), acting_user=user)
    return Status(201, _req(access_request(user, req.pk)))


@router.get("/status-requests/{request_id}", response={200: RequestOut, **READ_ERRORS},
            summary="One status-change request")
def get_request(request: HttpRequest, request_id: Path[ObjectId]) -> Any:
    return _req(access_request(api_user(request), request_id))


@router.post("/status-requests/{request_id}/approve", auth=token_auth, response={200: RequestOut, **WRITE_ERRORS},
             summary="Approve (higher committee): the member's status changes")
def approve_request(request: HttpRequest, request_id: Path[ObjectId], payload: DecisionIn) -> Any:
    user = api_user(request)
    req = access_request(user, request_id)
    do_approve_status_request(req, acting_user=user, note=payload.note)
    return _req(access_request(user, req.pk))


@router.post("/status-requests/{request_id}/reject", auth=token_auth, response={200: RequestOut, **WRITE_ERRORS},
             summary="Reject (higher committee), with a note")
def reject_request(request: HttpRequest, request_id: Path[ObjectId], payload: DecisionIn) -> Any:
    user = api_user(request)
    req = access_request(user, request_id)
    do_reject_status_request(req, acting_user=user, note=payload.note)
    return _req(access_request(user, req.pk))
