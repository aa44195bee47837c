"""API: reports (``/api/v1/reports``).

Anonymous (no account, no token):
- ``GET challenge?purpose=submit|follow`` → ``{challenge, bits}``: a signed proof-of-work challenge.
- ``POST /reports`` ``{content, accused?, place?, real_name?, phone?, kind?, proof}`` → 201
  ``{receipt_code}`` (28 digits in groups of four, shown once). Bad input → 400 naming the field;
  nothing is stored.
- ``POST follow`` ``{receipt_code, proof}`` → state and messages; a wrong code → 404, answered
  after a delay that grows with the client's wrong codes.
- ``POST follow/messages`` ``{receipt_code, proof, text, kind}``: the reporter answers or adds evidence.

Staff (login): ``GET /reports`` — the reports I handle, envelope data only, a page at a time.

These routes log no address, user agent or time (``reports.privacy``); the client address is used
only to compute an in-memory keyed hash for the rate limits (``reports.throttle``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangjian.core.apikit.auth import api_user, read_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema
from dangjian.core.http import client_ip
from dangjian.reports import actions as act
from dangjian.reports import phone as phone_check
from dangjian.reports import throttle
from dangjian.reports.choices import MessageKind, ReportKind, State
from dangjian.reports.crypto import format_receipt
from dangjian.reports.privacy import mark_private
from dangjian.reports.selectors import EnvelopePage, Search, reports_for

router = Router(tags=["reports"])
MAX_PAGE_SIZE = 100
ANON_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class ReportProofIn(InputSchema):
    challenge: str = Field(..., max_length=400)
    nonce: str = Field(..., max_length=32)


class ReportChallengeQuery(Schema):
    purpose: Literal["submit", "follow", "phone"] = "submit"


class ReportChallengeOut(Schema):
    challenge: str
    bits: int


class NewReportIn(InputSchema):
    content: str = Field(..., max_length=20000)
    accused: str = Field("", max_length=2000)
    place: str = Field("", max_length=2000)
    real_name: str = Field("", max_length=200)
    phone: str = Field("", max_length=64)
    kind: str = Field(ReportKind.OTHER, max_length=20,
                      json_schema_extra={"enum": list(ReportKind.values)})  # type: ignore[dict-item]
    phone_code: str = Field("", max_length=16, description="The code sent by SMS (real name, when SMS is on)")
    phone_token: str = Field("", max_length=400, description="The token answered by POST /phone-code")
    proof: ReportProofIn


class ReportPhoneCodeIn(InputSchema):
    phone: str = Field(..., max_length=64)
    proof: ReportProofIn


class ReportPhoneCodeOut(Schema):
    phone_token: str = Field(..., description="Send it back with the code; the server keeps nothing.")
    minutes: int


class ReportReceiptOut(Schema):
    receipt_code: str = Field(..., description="28 digits in groups of four; shown once, never stored.")


class ReportFollowIn(InputSchema):
    receipt_code: str = Field(..., max_length=64)
    proof: ReportProofIn


class ReporterMessageIn(ReportFollowIn):
    text: str = Field(..., max_length=20000)
    kind: str = Field(MessageKind.MESSAGE, json_schema_extra={  # type: ignore[dict-item]
        "enum": [MessageKind.MESSAGE, MessageKind.EVIDENCE]})


class ReportMessageOut(Schema):
    author: str
    kind: str
    text: str
    sent_on: dt.date


class ReportFollowOut(Schema):
    number: str
    state: str
    state_label: str
    received_on: dt.date
    messages: list[ReportMessageOut]


class ReportItem(Schema):
    id: str
    number: str
    state: str
    kind: str
    real_name: bool
    received_on: dt.date
    forward_due: dt.date
    organization_path: str


class ReportPage(Schema):
    items: list[ReportItem]
    count: int
    page: int
    page_size: int


class ReportFilters(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    state: str = Field("", json_schema_extra={"enum": ["", *State.values]})  # type: ignore[dict-item]
    number: str = Field("", max_length=20, description="Part of the report number (JB2026-000123)")
    kind: str = Field("", json_schema_extra={"enum": ["", *ReportKind.values]})  # type: ignore[dict-item]
    real_name: bool | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    overdue: bool = Field(False, description="Received, not triaged, forwarding deadline passed")


def _limited(seconds: int) -> ApiError:
    return ApiError(429, "rate_limited", _("Too many requests. Try again in %(seconds)d seconds.")
                    % {"seconds": seconds}, headers={"Retry-After": str(seconds)})


def _guard(request: HttpRequest, bucket: str, proof: ReportProofIn) -> str:
    key = throttle.client_key(client_ip(request))
    wait = throttle.hit(bucket, key)
    if wait is not None:
        raise _limited(wait)
    if not throttle.check_proof(bucket, proof.challenge, proof.nonce):
        raise ApiError(400, "bad_proof", _("The proof of work is missing, used or wrong: ask for a new challenge."),
                       field="proof")
    return key


def _bad(exc: ValidationError) -> ApiError:
    field, messages = next(iter(exc.message_dict.items()))
    return ApiError(400, "bad_request", " ".join(messages), field=field)


@router.get("/challenge", auth=None, response={200: ReportChallengeOut, 422: ErrorOut},
            summary="A proof-of-work challenge for a report or a follow-up")
def challenge(request: HttpRequest, q: Query[ReportChallengeQuery]) -> dict[str, Any]:
    mark_private(request)
    return throttle.new_challenge(q.purpose)


@router.post("", auth=None, response={201: ReportReceiptOut, **ANON_ERRORS}, summary="Submit a report (no account)")
def submit(request: HttpRequest, data: NewReportIn) -> Status:
    mark_private(request)
    try:
        act.clean_submission(data.dict())
    except ValidationError as exc:
        raise _bad(exc) from None
    _guard(request, "submit", data.proof)
    try:
        done = act.do_submit_report(data.dict(exclude={"proof"}), acting_user=AnonymousUser())
    except ValidationError as exc:
        raise _bad(exc) from None
    return Status(201, {"receipt_code": format_receipt(done.receipt_code)})


@router.post("/phone-code", auth=None, response={200: ReportPhoneCodeOut, **ANON_ERRORS, 503: ErrorOut},
             summary="Send a verification code by SMS to a real-name reporter's phone (no account)")
def phone_code(request: HttpRequest, data: ReportPhoneCodeIn) -> dict[str, Any]:
    mark_private(request)
    try:
        number = act.clean_phone(data.phone)
    except ValidationError as exc:
        raise _bad(exc) from None
    key = _guard(request, "phone", data.proof)
    wait = phone_check.may_send(number, key)
    if wait is not None:
        raise _limited(wait)
    try:
        token = phone_check.issue(number)
    except phone_check.SendFailed:
        raise ApiError(503, "sms_failed", _("The code could not be sent by SMS: try again later."),
                       field="phone") from None
    return {"phone_token": token, "minutes": phone_check.CODE_MINUTES}


def _follow(request: HttpRequest, data: ReportFollowIn) -> act.ReporterSession:
    key = _guard(request, "follow", data.proof)
    throttle.wait_before_check(key)
    session = act.open_with_receipt(data.receipt_code)
    if session is None:
        throttle.wrong_code(key)
        raise ApiError(404, "not_found", _("No report has this receipt code."), field="receipt_code")
    return session


def _follow_out(session: act.ReporterSession) -> dict[str, Any]:
    r = session.report
    return {"number": r.number, "state": r.state, "state_label": str(State(r.state).label),
            "received_on": r.received_on,
            "messages": [{k: m[k] for k in ("author", "kind", "text", "sent_on")}
                         for m in act.thread(r, session.private_key)]}


@router.post("/follow", auth=None, response={200: ReportFollowOut, **ANON_ERRORS},
             summary="Follow a report with its receipt code")
def follow(request: HttpRequest, data: ReportFollowIn) -> dict[str, Any]:
    mark_private(request)
    return _follow_out(_follow(request, data))


@router.post("/follow/messages", auth=None, response={200: ReportFollowOut, **ANON_ERRORS},
             summary="Answer the handler or add evidence, with the receipt code")
def follow_message(request: HttpRequest, data: ReporterMessageIn) -> dict[str, Any]:
    mark_private(request)
    session = _follow(request, data)
    try:
        act.do_add_reporter_message(session, data.text, data.kind)
    except ValidationError as exc:
        raise _bad(exc) from None
    return _follow_out(session)


@router.get("", auth=read_auth, response={200: ReportPage, 400: ErrorOut, **READ_ERRORS},
            summary="Reports I handle (envelope data only, paginated)")
def list_reports(request: HttpRequest, filters: Query[ReportFilters]) -> dict[str, Any]:
    user = api_user(request)
    if filters.state and filters.state not in State.values:
        raise ApiError(400, "bad_request", _("Unknown state."), field="state")
    if filters.kind and filters.kind not in ReportKind.values:
        raise ApiError(400, "bad_request", _("Unknown kind of report."), field="kind")
    if filters.received_from and filters.received_to and filters.received_from > filters.received_to:
        raise ApiError(400, "bad_request", _("“Received until” must not be before “Received from”."),
                       field="received_to")
    search = Search(number=filters.number, kind=filters.kind, real_name=filters.real_name,
                    received_from=filters.received_from, received_to=filters.received_to, overdue=filters.overdue)
    listing = EnvelopePage(reports_for(user, state=filters.state, search=search), user)
    size, start = filters.page_size, (filters.page - 1) * filters.page_size
    count = listing.count()
    rows = listing[start:start + size] if start < count else []
    return {"items": [{"id": str(r.uuid), "number": r.number, "state": r.state, "kind": r.kind,
                       "real_name": r.real_name, "received_on": r.received_on, "forward_due": r.forward_due,
                       "organization_path": r.org_path} for r in rows],
            "count": count, "page": filters.page, "page_size": size}
