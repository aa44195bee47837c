"""API: the opinion express lane (``/api/v1/opinions/*``).

``POST /opinions`` takes an opinion from anyone (anonymous allowed), rate-limited per client
address by the environment variable ``OPINION_RATE_LIMIT`` (e.g. ``20/m``; ``off`` disables);
a bearer token, when sent, makes the opinion the token user's. ``GET /opinions/track`` answers
only when number and phone match, with the same 404 for any mismatch."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dangjian.core.actors import ActingUser
from dangjian.core.apikit.auth import token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import ErrorOut, InputSchema
from dangjian.core.http import client_ip
from dangjian.opinions import OpinionChannel, OpinionKind
from dangjian.opinions.actions import do_submit_opinion
from dangjian.opinions.ratelimit import intake_hit, track_hit
from dangjian.opinions.selectors import find_for_tracking, timeline

router = Router(tags=["opinions"])


class OpinionIn(InputSchema):
    kind: str = Field(..., max_length=20, json_schema_extra={"enum": list(OpinionKind.values)})  # type: ignore[dict-item]
    title: str = Field(..., max_length=1000)
    body: str = Field(..., max_length=10000)
    place: int | None = Field(None, description="Organization id of the town/community/grid concerned.")
    place_text: str = Field("", max_length=1000)
    name: str = Field("", max_length=1000)
    phone: str = Field("", max_length=64, description="Required without a bearer token.")
    is_public: bool = False
    channel: str = Field(OpinionChannel.PHONE_APP, json_schema_extra={  # type: ignore[dict-item]
        "enum": [OpinionChannel.PHONE_APP, OpinionChannel.PORTAL]})


class TrackingOut(Schema):
    tracking_no: str


class TimelineItem(Schema):
    at: dt.datetime
    kind: str
    text: str


class TrackOut(Schema):
    tracking_no: str
    kind: str
    status: str
    title: str
    created_at: dt.datetime
    answer: str = Field("", description="The department's reply, once the opinion is answered.")
    rating: str = Field("", description="The sender's rating of the answer, if given.")
    timeline: list[TimelineItem]


class TrackQuery(Schema):
    no: str = Field("", max_length=64)
    phone: str = Field("", max_length=64)


def _rate_limited(seconds: int) -> ApiError:
    return ApiError(
        429, "rate_limited",
        _("Too many requests. Try again in %(seconds)d seconds.") % {"seconds": seconds},
        headers={"Retry-After": str(seconds)},
    )


def _bearer_user(request: HttpRequest) -> ActingUser:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return AnonymousUser()
    user = token_auth(request)
    if user is None:
        raise ApiError(401, "unauthorized", _("The bearer token is not valid."),
                       headers={"WWW-Authenticate": 'Bearer realm="api"'})
    return user


# 400 and 422 are documented for every operation with a body (core.apikit.openapi); 401 (a bearer
# token that is not valid) and 429 are this endpoint's own.
@router.post("", auth=None, response={201: TrackingOut, 401: ErrorOut, 429: ErrorOut},
             summary="Send an opinion (anonymous allowed)")
def submit_opinion(request: HttpRequest, payload: OpinionIn) -> Status:
    ip = client_ip(request)
    wait = intake_hit(ip)
    if wait:
        raise _rate_limited(wait)
    user = _bearer_user(request)
    channel = payload.channel if payload.channel in (OpinionChannel.PHONE_APP, OpinionChannel.PORTAL) else ""
    if not channel:
        raise ApiError(400, "invalid", _("Unknown channel."), field="channel")
    opinion = do_submit_opinion(payload.dict(exclude={"channel"}), [], acting_user=user, channel=channel, ip=ip)
    return Status(201, {"tracking_no": opinion.tracking_no})


@router.get("/track", auth=None, response={200: TrackOut, 404: ErrorOut, 429: ErrorOut},
            summary="Follow an opinion by number and phone")
def track_opinion(request: HttpRequest, query: Query[TrackQuery]) -> dict:
    wait = track_hit(client_ip(request))
    if wait:
        raise _rate_limited(wait)
    opinion = find_for_tracking(query.no, query.phone)
    if opinion is None:
        raise ApiError(404, "not_found", _("No opinion matches this tracking number and phone number."))
    return {
        "tracking_no": opinion.tracking_no, "kind": opinion.kind, "status": opinion.status,
        "title": opinion.title, "created_at": opinion.created_at, "answer": opinion.answer, "rating": opinion.rating,
        "timeline": [{"at": e.at, "kind": e.kind, "text": e.text} for e in timeline(opinion)],
    }
