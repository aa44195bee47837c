"""API of opinion insight's alerts and routing figures (mounted under ``/api/v1/insight`` by
``api.py``):

- ``GET alerts?state=&page=&page_size=``: the alerts of the caller's subtree (and those sent to
  their department), newest first; ``state`` open (default) | case | dismissed | all.
- ``POST alerts/{id}/case`` ``{lead_department, hours?, title?}``: open an incident case from the
  alert (``insight.view`` on the alert and ``cases.assign`` on the department).
- ``GET routing/redispatch?org=``: re-dispatch rate before and after routing suggestions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from dangjian.cases.selectors import departments_for
from dangjian.core.apikit.auth import api_user, read_auth, token_auth
from dangjian.core.apikit.errors import ApiError
from dangjian.core.apikit.schemas import READ_ERRORS, ErrorOut, InputSchema, ObjectId
from dangjian.core.scoping import get_scoped_or_404
from dangjian.insight.actions import do_open_alert_case
from dangjian.insight.alert_selectors import access_alert, alerts_for, redispatch_rates
from dangjian.insight.models import Alert, AlertState
from dangjian.insight.selectors import latest_run
from dangjian.orgs.models import Organization

router = Router(tags=["insight"], auth=read_auth)
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, **READ_ERRORS}


class AlertFilters(Schema):
    state: str = Field("open", pattern="^(open|case|dismissed|all)$")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=100)


class AlertOut(Schema):
    id: int
    run: int
    kind: str
    title: str
    value: float
    threshold: float
    state: str
    department: str
    case: str | None
    created_at: dt.datetime


class AlertPage(Schema):
    items: list[AlertOut]
    count: int
    page: int
    page_size: int


class CaseIn(InputSchema):
    lead_department: ObjectId
    hours: int | None = Field(None, ge=1, le=240)
    title: str = Field("", max_length=200)


class Bucket(Schema):
    routed: int
    redispatched: int
    rate: float | None


class RedispatchOut(Schema):
    run: int | None
    before: Bucket
    after: Bucket
    followed: Bucket
    not_followed: Bucket
    decisions: int
    followed_share: float | None


def _alert(a: Alert) -> dict[str, Any]:
    return {"id": a.pk, "run": a.run_id, "kind": a.kind, "title": a.title, "value": a.value, "threshold": a.threshold,
            "state": a.state, "department": a.department_name, "case": a.case.number if a.case else None,
            "created_at": a.created_at}


@router.get("/alerts", response={200: AlertPage, **READ_ERRORS}, summary="Opinion alerts")
def list_alerts(request: HttpRequest, filters: Query[AlertFilters]) -> dict[str, Any]:
    qs = alerts_for(api_user(request), None if filters.state == "all" else filters.state).order_by("-created_at", "-id")
    count = qs.count()
    start = (filters.page - 1) * filters.page_size
    rows = list(qs[start:start + filters.page_size]) if start < count else []
    return {"items": [_alert(a) for a in rows], "count": count, "page": filters.page, "page_size": filters.page_size}


@router.post("/alerts/{alert_id}/case", auth=[token_auth, django_auth], response={200: AlertOut, **WRITE_ERRORS},
             summary="Open an incident case from an alert")
def open_case(request: HttpRequest, alert_id: ObjectId, payload: CaseIn) -> dict[str, Any]:
    user = api_user(request)
    alert = access_alert(user, alert_id)
    department = departments_for(user, "cases.assign").filter(is_active=True, pk=payload.lead_department).first()
    if department is None:
        raise ApiError(404, "not_found", _("No such department you may assign to."), field="lead_department")
    if alert.state != AlertState.OPEN:
        raise ApiError(422, "invalid", _("This alert has already been handled."), field="lead_department")
    do_open_alert_case(alert, lead_department=department, hours=payload.hours, title=payload.title, acting_user=user)
    return _alert(access_alert(user, alert_id))


@router.get("/routing/redispatch", response={200: RedispatchOut, **READ_ERRORS},
            summary="Re-dispatch rate before and after routing suggestions")
def redispatch(request: HttpRequest, org: ObjectId | None = None) -> dict[str, Any]:
    user = api_user(request)
    path = get_scoped_or_404(Organization.objects, user, "insight.view", pk=org).path if org else None
    return redispatch_rates(latest_run(user, path))
