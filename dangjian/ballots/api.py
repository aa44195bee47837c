"""API: democratic evaluations (``/api/v1/ballots``).

- ``GET evaluations``: the evaluations the caller may see (``ballots.view`` over the organization,
  or a trustee of it), newest first, a page at a time (``page``, ``page_size`` ≤ 100 → ``items``,
  ``count``, ``page``, ``page_size``); login (token or session).
- ``GET evaluations/{id}/manifest`` and ``…/bulletin``: public to whoever has the link (the id is
  a random UUID): a voter has no account, only a credential, which stays in the page (the URL
  fragment), never in a URL the server sees. The bulletin exists once the evaluation is closed
  (409 before).
- ``POST evaluations/{id}/cast`` ``{credential, ballot}`` → ``{receipt}``; anonymous; a refused
  ballot answers 4xx with the reason and nothing is stored.
- ``GET/POST evaluations/{id}/trustee…``: the trustee's key and decryption; the trustee only (a
  bearer token, or the browser session with its CSRF token).
- ``POST evaluations/{id}/reissue`` ``{voter}``, ``{code}`` or ``{serial}``: replace a lost voting code while
  the evaluation is open (``ballots.manage`` over its organization): a sent code is sent again to
  the voter named (→ ``{"sent_to": name}``), a lost slip's code (found by its code or the number
  printed on it) is replaced (→ ``{"code": new}``,
  shown this once, to print). The old code stops working; a used one is never replaced (400 with
  the reason), nor anything outside voting (409).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from dangjian.ballots.actions import (
    CastRefused,
    do_cast_ballot,
    do_register_trustee_key,
    do_reissue_credential,
    do_submit_decryption,
    trustee_of,
)
from dangjian.ballots.choices import PUBLISHED_STATES, State
from dangjian.ballots.selectors import (
    access_evaluation,
    bulletin,
    casting_evaluation,
    evaluations_for,
    public_evaluation,
    roll_entry_named,
)
from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema

router = Router(tags=["ballots"], auth=read_auth)
write_auth = [token_auth, django_auth]  # the session needs its CSRF token (ninja's SessionAuth)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
#: A ballot of the largest evaluation (100 subjects × 12 dimensions × 4 options) is about 1.3 MB.
MAX_BALLOT_BYTES = 2_000_000
_CAST_STATUS = {"not_open": 409, "closed": 409, "credential": 403, "ballot": 400, "replay": 409}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 409: ErrorOut, **READ_ERRORS}


class EvaluationItem(Schema):
    id: str = Field(..., description="The evaluation's public id (a UUID).")
    title: str
    state: str = Field(..., json_schema_extra={"enum": list(State.values)})  # type: ignore[dict-item]
    organization: str
    opens_at: dt.datetime
    closes_at: dt.datetime


class EvaluationFilters(Schema):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


class EvaluationPage(Schema):
    items: list[EvaluationItem]
    count: int
    page: int
    page_size: int


class ManifestOut(Schema):
    id: str
    title: str
    state: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    manifest_text: str = Field(..., description="The exact text the election fingerprint hashes.")
    eid: str


class CastIn(InputSchema):
    credential: str = Field(..., max_length=64)
    ballot: dict[str, Any]


class ReceiptOut(Schema):
    receipt: str


class KeyIn(InputSchema):
    public_key: str = Field(..., max_length=64)
    key_proof: dict[str, str]


class DecryptionIn(InputSchema):
    shares: list[list[dict[str, Any]]]


class TrusteeOut(Schema):
    id: str
    title: str
    state: str
    index: int
    has_key: bool
    decrypted: bool
    eid: str
    tally: list[list[dict[str, str]]]


def _item(e: Any) -> dict[str, Any]:
    return {"id": str(e.uuid), "title": e.title, "state": e.state, "organization": e.organization.name,
            "opens_at": e.opens_at, "closes_at": e.closes_at}


@router.get("/evaluations", response={200: EvaluationPage, **READ_ERRORS}, summary="Evaluations I may see (paginated)")
def list_evaluations(request: HttpRequest, filters: Query[EvaluationFilters]) -> dict[str, Any]:
    qs = evaluations_for(api_user(request))
    size, start = filters.page_size, (filters.page - 1) * filters.page_size
    count = qs.count()
    rows = list(qs[start:start + size]) if start < count else []
    return {"items": [_item(e) for e in rows], "count": count, "page": filters.page, "page_size": size}


@router.get("/evaluations/{public_id}/manifest", auth=None, response={200: ManifestOut, 404: ErrorOut},
            summary="The manifest a ballot is bound to")
def manifest(request: HttpRequest, public_id: str) -> dict[str, Any]:
    e = public_evaluation(public_id)
    return {"id": str(e.uuid), "title": e.title, "state": e.state, "opens_at": e.opens_at, "closes_at": e.closes_at,
            "manifest_text": e.manifest_text, "eid": e.eid}


@router.get("/evaluations/{public_id}/bulletin", auth=None, response={200: dict[str, Any], 404: ErrorOut,
                                                                       409: ErrorOut},
            summary="The public bulletin (after closing)")
def get_bulletin(request: HttpRequest, public_id: str) -> dict[str, Any]:
    e = public_evaluation(public_id)
    if e.state not in PUBLISHED_STATES:
        raise ApiError(409, "not_published", _("The bulletin is published when the evaluation closes."))
    return bulletin(e)


@router.post("/evaluations/{public_id}/cast", auth=None, response={200: ReceiptOut, 413: ErrorOut, **WRITE_ERRORS},
             summary="Cast an encrypted ballot with a one-time credential")
def cast(request: HttpRequest, public_id: str, data: CastIn) -> dict[str, Any]:
    if len(request.body) > MAX_BALLOT_BYTES:
        raise ApiError(413, "too_large", _("The ballot is too large."))
    e = casting_evaluation(public_id)
    try:
        receipt = do_cast_ballot(e, data.credential, data.ballot)
    except CastRefused as refused:
        raise ApiError(_CAST_STATUS[refused.reason], refused.reason, refused.message_text,
                       field="ballot" if refused.reason in ("ballot", "replay") else
                       "credential" if refused.reason == "credential" else None) from None
    return {"receipt": receipt}


def _trustee_evaluation(request: HttpRequest, public_id: str) -> tuple[Any, Any]:
    user = api_user(request)
    e = access_evaluation(user, public_id)
    trustee = trustee_of(e, user)
    if trustee is None:
        raise Http404(_("Not found."))
    return e, trustee


@router.get("/evaluations/{public_id}/trustee", auth=write_auth, response={200: TrusteeOut, **READ_ERRORS},
            summary="My part as a trustee")
def trustee_state(request: HttpRequest, public_id: str) -> dict[str, Any]:
    e, t = _trustee_evaluation(request, public_id)
    return {"id": str(e.uuid), "title": e.title, "state": e.state, "index": t.index, "has_key": t.has_key,
            "decrypted": hasattr(t, "decryption"), "eid": e.eid,
            "tally": e.tally if e.state == State.CLOSED else []}


def _write(run: Any) -> Any:
    try:
        return run()
    except PermissionDenied as exc:
        raise ApiError(403, "permission_denied", str(exc) or _("Permission denied.")) from None
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items())) if hasattr(exc, "error_dict") else (None, exc.messages)
        raise ApiError(409 if field == "state" else 400, "conflict" if field == "state" else "bad_request",
                       " ".join(messages), field=field if field != "state" else None) from None


@router.post("/evaluations/{public_id}/trustee/key", auth=write_auth, response={200: TrusteeOut, **WRITE_ERRORS},
             summary="Register my public key and its proof")
def trustee_key(request: HttpRequest, public_id: str, data: KeyIn) -> dict[str, Any]:
    e, _t = _trustee_evaluation(request, public_id)
    _write(lambda: do_register_trustee_key(e, public_key=data.public_key, key_proof=data.key_proof,
                                           acting_user=api_user(request)))
    return trustee_state(request, public_id)


@router.post("/evaluations/{public_id}/trustee/decryption", auth=write_auth,
             response={200: TrusteeOut, **WRITE_ERRORS}, summary="Submit my partial decryption of the tally")
def trustee_decryption(request: HttpRequest, public_id: str, data: DecryptionIn) -> dict[str, Any]:
    e, _t = _trustee_evaluation(request, public_id)
    _write(lambda: do_submit_decryption(e, shares=data.shares, acting_user=api_user(request)))
    return trustee_state(request, public_id)


class BallotReissueIn(InputSchema):
    voter: str | None = Field(None, max_length=150, description="A voter whose code was sent: their name on the "
                              "roll (or user name, for namesakes). The new code is sent to them.")
    code: str | None = Field(None, max_length=64, description="A lost slip's code, as printed.")
    serial: int | None = Field(None, ge=1, le=10_000_000, description="A lost slip's number, as printed (No. …), "
                               "when its code cannot be read.")


class BallotReissueOut(Schema):
    sent_to: str | None = Field(None, description="Who was sent the new code (a sent code).")
    code: str | None = Field(None, description="The new slip's code (a lost slip): shown this once, print it.")


@router.post("/evaluations/{public_id}/reissue", auth=write_auth, response={200: BallotReissueOut, **WRITE_ERRORS},
             summary="Replace a lost voting code (organizer)")
def reissue(request: HttpRequest, public_id: str, data: BallotReissueIn) -> dict[str, Any]:
    user = api_user(request)
    e = access_evaluation(user, public_id)
    if sum(x is not None for x in (data.voter, data.code, data.serial)) != 1:
        raise ApiError(400, "bad_request", _("Give one of the voter whose code was sent, the lost slip's code or "
                                             "its number."), field="voter")
    if data.voter is not None:
        voter = data.voter

        def resend() -> str:
            entry = roll_entry_named(e, voter)
            do_reissue_credential(e, voter=entry, acting_user=user)
            return entry.name

        return {"sent_to": _write(resend), "code": None}
    code, serial = data.code, data.serial
    return {"sent_to": None, "code": _write(lambda: do_reissue_credential(e, code=code, serial=serial,
                                                                         acting_user=user))}

