"""Writes for organizations: create, edit, move (keeps members' copied paths in step).
Deactivating an organization dates its dissolution (``dissolved_on``, today); reactivating clears it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.core.scoping import require
from dangjian.orgs import BRANCH_KINDS, PARENT_KINDS, OrgKind
from dangjian.orgs.models import Organization, PartyGroup

ORG_FIELDS = (
    "name", "short_name", "kind", "grid_type", "unit_situation", "code", "secretary_name", "contact_person",
    "contact_phone", "address", "postcode", "established_on", "term_years", "term_started_on", "is_active",
)


def _validate(data: dict[str, Any], parent: Organization | None) -> None:
    if not (data.get("name") or "").strip():
        raise ValidationError({"name": _("The full name cannot be empty.")})
    kind = data.get("kind")
    if kind not in OrgKind.values:
        raise ValidationError({"kind": _("Unknown organization kind.")})
    if parent is not None and parent.kind not in PARENT_KINDS:
        raise ValidationError({"parent": _("A branch cannot contain other organizations; add party groups instead.")})
    if kind == OrgKind.GRID_BRANCH and not data.get("grid_type"):
        raise ValidationError({"grid_type": _("A grid branch needs its grid type (community, industry or building).")})
    postcode = data.get("postcode") or ""
    if postcode and not (len(postcode) == 6 and postcode.isdigit()):
        raise ValidationError({"postcode": _("A postcode has 6 digits.")})


def do_create_organization(parent: Organization | None, data: dict[str, Any], *, acting_user: ActingUser) -> Organization:
    """Add an organization under ``parent`` (or a new root: superusers only)."""
    if parent is None:
        if acting_user is not None and not acting_user.is_superuser:
            raise ValidationError({"parent": _("Only a system administrator can create a top-level organization.")})
    else:
        require(acting_user, "orgs.change", parent.path)
    _validate(data, parent)
    values = {k: data[k] for k in ORG_FIELDS if k in data and data[k] is not None}
    with transaction.atomic():
        org = Organization.add_root(**values) if parent is None else parent.add_child(**values)
        audit.record(acting_user, "org.created", org, after=audit.snapshot(org, values.keys()), org_path=org.path)
    return org


def do_update_organization(org: Organization, data: dict[str, Any], *, acting_user: ActingUser) -> Organization:
    require(acting_user, "orgs.change", org.path)
    merged = {k: getattr(org, k) for k in ORG_FIELDS} | {k: v for k, v in data.items() if k in ORG_FIELDS}
    parent = org.get_parent()
    _validate(merged, parent)
    if org.kind in BRANCH_KINDS and merged["kind"] not in BRANCH_KINDS and org.members.exists():
        raise ValidationError({"kind": _("This branch still has members; it cannot become a non-branch organization.")})
    before = audit.snapshot(org, (*ORG_FIELDS, "dissolved_on"))
    if org.is_active and not merged["is_active"]:
        org.dissolved_on = timezone.localdate()
    elif merged["is_active"]:
        org.dissolved_on = None
    for k in ORG_FIELDS:
        setattr(org, k, merged[k])
    with transaction.atomic():
        org.save()
        b, a = audit.diff(before, audit.snapshot(org, (*ORG_FIELDS, "dissolved_on")))
        if a:
            audit.record(acting_user, "org.updated", org, before=b, after=a, org_path=org.path)
    return org


def do_create_party_group(branch: Organization, name: str, *, leader_name: str = "", acting_user: ActingUser) -> PartyGroup:
    require(acting_user, "orgs.change", branch.path)
    if branch.kind not in BRANCH_KINDS:
        raise ValidationError({"branch": _("Party groups belong to a branch.")})
    if not name.strip():
        raise ValidationError({"name": _("The name cannot be empty.")})
    if PartyGroup.objects.filter(branch=branch, name=name.strip()).exists():
        raise ValidationError({"name": _("This branch already has a group of that name.")})
    with transaction.atomic():
        group = PartyGroup.objects.create(branch=branch, name=name.strip(), leader_name=leader_name)
        audit.record(acting_user, "party_group.created", group, after={"name": group.name, "branch": branch.pk}, org_path=branch.path)
    return group
