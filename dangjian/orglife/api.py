"""API: organizational life (``/api/v1/orglife/*``). Reads take a bearer token or the browser
session; the sign-in (a write) takes a bearer token. Scoped like the pages: out of scope = 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import BaseModel, field_validator

from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import MAX_ID, READ_ERRORS, ErrorOut, InputSchema, ObjectId, OrgRef
from dangjian.orglife import ActivityKind, ActivityStatus
from dangjian.orglife.actions import do_check_in_by_code
from dangjian.orglife.compliance import branches_under, compliance_for
from dangjian.orglife.conf import conf
from dangjian.orglife.periods import tz
from dangjian.orglife.selectors import access_activity, activities_for, filter_activities
from dangjian.orgs.selectors import access_org, scope_roots

router = Router(tags=["orglife"], auth=read_auth)

MAX_PAGE_SIZE = 100
MAX_BRANCHES = 500


class ActivityFilters(Schema):
    org: int | None = Field(None, ge=1, le=MAX_ID, description="Organization id: its whole subtree.")
    from_: dt.date | None = Field(None, alias="from", description="First day (Asia/Shanghai), inclusive.")
    to: dt.date | None = Field(None, description="Last day (Asia/Shanghai), inclusive.")
    kind: str | None = Field(None, json_schema_extra={"enum": list(ActivityKind.values)})  # type: ignore[dict-item]
    status: str | None = Field(None, json_schema_extra={"enum": list(ActivityStatus.values)})  # type: ignore[dict-item]
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("kind", "status", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        if value is not None and value not in ActivityKind.values:
            raise ValueError("must be one of " + ", ".join(ActivityKind.values))
        return value

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is not None and value not in ActivityStatus.values:
            raise ValueError("must be one of " + ", ".join(ActivityStatus.values))
        return value


class ActivityItem(Schema):
    id: int
    organization: OrgRef
    kind: str
    topic: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    online_link: str
    status: str


class ActivityPage(Schema):
    items: list[ActivityItem]
    count: int
    page: int
    page_size: int


class CheckinIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=64)


class CheckinOut(Schema):
    activity: int
    checked_in_at: dt.datetime
    method: str


class KindOut(Schema):
    kind: str
    period: str
    required: int
    held: int
    periods_met: int
    applies: bool


# The talk pieces are plain pydantic models, not ninja Schemas: a Schema runs ninja's
# attribute-resolving root validator per object (a 500-branch page has ~13,000 of them, which
# tripled the endpoint's time in bench/module_orglife.py); these are built from dicts anyway.
class MemberNameOut(BaseModel):
    member: int
    name: str


class TalkPairOut(BaseModel):
    members: list[MemberNameOut]
    done_on: dt.date | None


class HeartTalksOut(BaseModel):
    required: int = Field(description="Pairs that must talk at least once in the year (HEART_TALK_PAIRS).")
    done: int
    pairs: list[TalkPairOut]


class SecretaryLectureOut(BaseModel):
    secretary: MemberNameOut
    lectures: int = Field(description="Closed party lectures given by this secretary in the year.")
    required: int
    done: bool


class BranchOut(Schema):
    organization: OrgRef
    last_activity: dt.datetime | None
    inactive: bool
    kinds: list[KindOut]
    heart_talks: HeartTalksOut
    secretary_lectures: list[SecretaryLectureOut]


class ComplianceOut(Schema):
    organization: OrgRef
    year: int
    branches: list[BranchOut]
    count: int
    page: int
    page_size: int


class ComplianceQuery(Schema):
    org: int | None = Field(None, ge=1, le=MAX_ID)
    year: int | None = Field(None, ge=2000, le=2100)
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(100, ge=1, le=MAX_BRANCHES)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz())


@router.get("/activities", response={200: ActivityPage, **READ_ERRORS}, summary="Activities in scope, by date")
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> Any:
    user = api_user(request)
    if filters.from_ and filters.to and filters.to < filters.from_:
        raise ApiError(422, "validation_error", _("“to” must not be before “from”."), field="to")
    org_path = access_org(user, filters.org, perm="orglife.view").path if filters.org is not None else None
    qs = filter_activities(
        activities_for(user), org_path=org_path, kind=filters.kind, status=filters.status,
        start=_day_start(filters.from_) if filters.from_ else None,
        end=_day_start(filters.to + dt.timedelta(days=1)) if filters.to else None,
    )
    size: int = filters.page_size or int(conf("PAGE_SIZE"))
    start = (filters.page - 1) * size
    count = qs.count()
    rows = list(qs.order_by("starts_at", "pk")[start:start + size]) if start < count else []
    return {"items": [{
        "id": a.pk, "organization": {"id": a.organization_id, "name": a.organization.name}, "kind": a.kind,
        "topic": a.topic, "starts_at": a.starts_at, "ends_at": a.ends_at, "place": a.place,
        "online_link": a.online_link, "status": a.status} for a in rows],
        "count": count, "page": filters.page, "page_size": size}


@router.post("/activities/{activity_id}/checkin", auth=token_auth,
             response={200: CheckinOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             summary="Sign in with the code shown at the venue")
def checkin(request: HttpRequest, activity_id: Path[ObjectId], payload: CheckinIn) -> Any:
    user = api_user(request)
    activity = access_activity(user, activity_id)
    try:
        attendee = do_check_in_by_code(activity, payload.code.strip(), acting_user=user)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ApiError(400, "invalid", messages[0], field=field) from None
    return {"activity": activity.pk, "checked_in_at": attendee.checked_in_at, "method": attendee.checkin_method}


@router.get("/compliance", response={200: ComplianceOut, **READ_ERRORS},
            summary="Per branch, per kind: activities required vs. held in a year")
def compliance(request: HttpRequest, query: Query[ComplianceQuery]) -> Any:
    user = api_user(request)
    if query.org is not None:
        org = access_org(user, query.org, perm="orglife.view")
    else:
        roots = scope_roots(user, "orglife.view")
        if not roots:
            raise ApiError(404, "not_found", _("Not found."))
        org = roots[0]
    year = query.year or timezone.localdate().year
    qs = branches_under(org)
    count = qs.count()
    start = (query.page - 1) * query.page_size
    branches = list(qs[start:start + query.page_size]) if start < count else []
    rows = compliance_for(branches, year, talk_dates=True)
    return {
        "organization": {"id": org.pk, "name": org.name}, "year": year, "count": count, "page": query.page,
        "page_size": query.page_size,
        "branches": [{
            "organization": {"id": r.branch.pk, "name": r.branch.name}, "last_activity": r.last_activity,
            "inactive": r.inactive,
            "kinds": [{"kind": k.kind, "period": k.period, "required": k.required, "held": k.held,
                       "periods_met": k.periods_met, "applies": k.applies} for k in r.kinds],
            "heart_talks": {"required": r.talks.required, "done": r.talks.done, "pairs": [
                {"members": [{"member": p.a.member_id, "name": p.a.name}, {"member": p.b.member_id, "name": p.b.name}],
                 "done_on": p.done_on} for p in r.talks.pairs]},
            "secretary_lectures": [{"secretary": {"member": s.secretary.member_id, "name": s.secretary.name},
                                    "lectures": s.lectures, "required": s.required, "done": s.done}
                                   for s in r.secretary_lectures],
        } for r in rows],
    }
