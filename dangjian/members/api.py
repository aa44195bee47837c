"""API: the member registry (``/api/v1/members``). Scoped by ``members.view`` (plus a member's
own record); out of scope = 404. ID-card numbers and phones are always masked here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from pydantic import field_validator

from dangjian.core.apikit.auth import api_user, read_auth
from dangjian.core.apikit.schemas import MAX_ID, READ_ERRORS, ObjectId, OrgRef, clean_text
from dangjian.members import MemberCategory, MemberStatus
from dangjian.members.models import Member
from dangjian.members.selectors import access_member, can_view_pii, filter_members, members_for, without_plaintext
from dangjian.orgs.selectors import access_org

router = Router(tags=["members"], auth=read_auth)

MAX_PAGE_SIZE = 100
_STATUS_FILTERS: list[str] = [*MemberStatus.values, "current"]
_CATEGORIES: list[str] = list(MemberCategory.values)


class MemberFilters(Schema):
    org: int | None = Field(None, ge=1, le=MAX_ID, description="Organization id: its whole subtree.")
    q: str = Field("", max_length=200, description="Name, pinyin, initials, full ID or phone, or masked digits.")
    status: str | None = Field(None, description="A member status, or “current” (probationary and full).",
                               json_schema_extra={"enum": list(_STATUS_FILTERS)})  # type: ignore[dict-item]
    category: str | None = Field(None, json_schema_extra={"enum": _CATEGORIES})  # type: ignore[dict-item]
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    @field_validator("q", mode="before")
    @classmethod
    def _clean_q(cls, value: Any) -> Any:
        return clean_text(value) if isinstance(value, str) else value

    @field_validator("status", "category", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in _STATUS_FILTERS:
            raise ValueError("must be one of " + ", ".join(_STATUS_FILTERS))
        return value

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None) -> str | None:
        if value is not None and value not in _CATEGORIES:
            raise ValueError("must be one of " + ", ".join(_CATEGORIES))
        return value


class MemberItem(Schema):
    id: int
    name: str
    sex: str
    id_number: str = Field(..., description="Masked ID-card number, e.g. 3203**********1234.")
    phone: str = Field(..., description="Masked phone number.")
    organization: OrgRef
    status: str
    category: str
    join_date: dt.date | None
    full_date: dt.date | None


class MemberDetail(MemberItem):
    ethnicity: str
    birth_date: dt.date | None = Field(None, description="Only for viewers allowed to see personal data.")
    education: str
    work_unit: str
    job_post: str
    party_group: OrgRef | None
    add_type: str
    status_changed_on: dt.date | None


class MemberPage(Schema):
    items: list[MemberItem]
    count: int
    page: int
    page_size: int


def _item(m: Member) -> dict[str, Any]:
    p = m.person
    return {
        "id": m.pk, "name": p.name, "sex": p.sex,
        "id_number": p.id_number_masked, "phone": p.phone_masked,
        "organization": {"id": m.organization_id, "name": m.organization.name},
        "status": m.status, "category": m.category,
        "join_date": m.join_date, "full_date": m.full_date,
    }


@router.get("", response={200: MemberPage, **READ_ERRORS}, summary="Members in scope, filtered and paginated")
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> Any:
    user = api_user(request)
    org_path = None
    if filters.org is not None:
        org_path = access_org(user, filters.org, perm="members.view").path
    qs = filter_members(without_plaintext(members_for(user)), user=user, org_path=org_path, status=filters.status,
                        category=filters.category, q=filters.q)
    size: int = filters.page_size or settings.DANGJIAN["MEMBERS_PAGE_SIZE"]  # type: ignore[assignment]
    start = (filters.page - 1) * size
    count = qs.count()
    rows = list(qs.order_by("org_path", "pk")[start:start + size]) if start < count else []
    return {"items": [_item(m) for m in rows], "count": count, "page": filters.page, "page_size": size}


@router.get("/{member_id}", response={200: MemberDetail, **READ_ERRORS}, summary="One member (ID number masked)")
def get_member(request: HttpRequest, member_id: Path[ObjectId]) -> Any:
    user = api_user(request)
    m = access_member(user, member_id)
    p = m.person
    group = m.party_group
    return {
        **_item(m),
        "ethnicity": p.ethnicity,
        "birth_date": p.birth_date if can_view_pii(user, m) else None,
        "education": p.education, "work_unit": p.work_unit, "job_post": p.job_post,
        "party_group": {"id": group.pk, "name": group.name} if group else None,
        "add_type": m.add_type, "status_changed_on": m.status_changed_on,
    }
