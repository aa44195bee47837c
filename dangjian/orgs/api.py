"""API: organizations (``/api/v1/orgs``), scoped by ``orgs.view``; out of scope = 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from dangjian.core.apikit.auth import api_user, read_auth
from dangjian.core.apikit.schemas import READ_ERRORS, ObjectId
from dangjian.core.scoping import in_scope
from dangjian.orgs.models import Organization
from dangjian.orgs.selectors import access_org, children, scope_roots, with_member_counts

router = Router(tags=["orgs"], auth=read_auth)


class OrgOut(Schema):
    id: int
    name: str
    kind: str
    parent: int | None = Field(
        None, description="Parent organization id; null for a root or when the parent is outside the caller's scope.")
    member_count: int = Field(..., description="Current members (probationary and full) in the subtree.")


def _parent_ids(user: Any, orgs: list[Organization]) -> dict[int, int | None]:
    """Parent ids for organizations sharing one parent (children) or a single organization.

    A parent the caller may not view is reported as null, exactly as for a tree root: a scope
    root's parent is outside the scope, and even its id must not leak.
    """
    result: dict[int, int | None] = {}
    cache: dict[str, int | None] = {}
    for org in orgs:
        parent_path = org.path[: -org.steplen]
        if not parent_path or not in_scope(user, "orgs.view", parent_path):
            result[org.pk] = None
            continue
        if parent_path not in cache:
            parent = org.get_parent()
            cache[parent_path] = parent.pk if parent else None
        result[org.pk] = cache[parent_path]
    return result


def _out(orgs: list[Organization], parents: dict[int, int | None]) -> list[dict[str, Any]]:
    with_member_counts(orgs)
    return [
        {"id": o.pk, "name": o.name, "kind": o.kind, "parent": parents.get(o.pk),
         "member_count": o.member_count}  # type: ignore[attr-defined]
        for o in orgs
    ]


@router.get("", response={200: list[OrgOut], **READ_ERRORS}, summary="The top organizations of the caller's scope")
def list_roots(request: HttpRequest) -> Any:
    user = api_user(request)
    roots = scope_roots(user)
    return _out(roots, _parent_ids(user, roots))


@router.get("/{org_id}", response={200: OrgOut, **READ_ERRORS}, summary="One organization")
def get_org(request: HttpRequest, org_id: Path[ObjectId]) -> Any:
    user = api_user(request)
    org = access_org(user, org_id)
    return _out([org], _parent_ids(user, [org]))[0]


@router.get("/{org_id}/children", response={200: list[OrgOut], **READ_ERRORS},
            summary="The direct children of an organization")
def get_children(request: HttpRequest, org_id: Path[ObjectId]) -> Any:
    org = access_org(api_user(request), org_id)
    kids = children(org)
    return _out(kids, {k.pk: org.pk for k in kids})
