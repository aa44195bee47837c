"""Writes for the Excel import and export of members (DESIGN.md §4 rule 1).

``do_import_members`` writes a whole validated file in one transaction (nothing is written if
anything fails); ``do_export_members`` builds the export workbook and records the audit events.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dangjian.core import audit, crypto
from dangjian.core.actors import ActingUser
from dangjian.core.scoping import has_any, require
from dangjian.members import SpellChange, excel
from dangjian.members.actions import build_member, member_snapshot
from dangjian.members.models import Member, Person
from dangjian.members.selectors import can_view_pii, without_plaintext
from dangjian.members.spells import start_histories
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

_BATCH = 1000


@dataclass
class ImportSummary:
    count: int
    by_org: list[tuple[Organization, int]]
    member_ids: list[int]


def _common_path(paths: list[str], steplen: int = Organization.steplen) -> str:
    prefix = os.path.commonprefix(paths) if paths else ""
    return prefix[: len(prefix) - len(prefix) % steplen]


def _organizations(rows: list[dict[str, Any]]) -> list[Organization]:
    orgs: dict[int, Organization] = {}
    missing: set[int] = set()
    for data in rows:
        org = data.get("organization")
        if isinstance(org, Organization):
            orgs[org.pk] = org
        else:
            try:
                missing.add(int(org))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ValidationError({"organization": _("Unknown organization.")}) from None
    if missing - orgs.keys():
        found = Organization.objects.in_bulk(list(missing - orgs.keys()))
        if len(found) != len(missing - orgs.keys()):
            raise ValidationError({"organization": _("Unknown organization.")})
        orgs.update(found)
    for data in rows:
        org = data.get("organization")
        data["organization"] = orgs[org.pk if isinstance(org, Organization) else int(org)]  # type: ignore[arg-type]
    return list(orgs.values())


def do_import_members(rows: list[dict[str, Any]], *, acting_user: ActingUser, filename: str) -> ImportSummary:
    """Register every member in ``rows`` (cleaned ``MemberForm`` data, ``organization`` an
    Organization or its id) in one transaction: all of them, or none.

    Audit: one ``member.imported`` event for the file plus one ``member.created`` per member, as
    when members are added one by one.
    """
    if not rows:
        raise ValidationError(_("The file has no member rows."))
    filename = (filename or "")[:200]
    orgs = _organizations(rows)
    for org in orgs:
        require(acting_user, "members.import", org.path)
        if org.kind not in BRANCH_KINDS:
            raise ValidationError({"organization": _("Members belong to a branch; “%(org)s” is not a branch.") % {"org": org.name}})
    digests = [crypto.digest(d["id_number"], purpose="id") for d in rows if d.get("id_number")]
    if len(set(digests)) != len(digests) or excel.registered_id_digests(digests):
        raise ValidationError({"id_number": _("A person with this ID-card number is already registered.")})

    built = [build_member(data, data["organization"]) for data in rows]
    persons = [p for p, _m in built]
    members = [m for _p, m in built]
    by_org: dict[int, int] = {}
    for m in members:
        by_org[m.organization_id] = by_org.get(m.organization_id, 0) + 1
    paths = sorted({o.path for o in orgs})
    try:
        with transaction.atomic():
            Person.objects.bulk_create(persons, batch_size=_BATCH)
            for person, member in built:
                member.person = person
            Member.objects.bulk_create(members, batch_size=_BATCH)
            start_histories(members, change=SpellChange.IMPORTED, batch_size=_BATCH)
            audit.record_many(acting_user, [
                audit.Entry("member.imported", None,
                            after={"count": len(members), "filename": filename, "org_paths": paths},
                            target_label=filename, org_path=_common_path(paths)),
                *(audit.Entry("member.created", member, after=member_snapshot(member), reason="import",
                              org_path=member.org_path) for member in members),
            ])
    except IntegrityError:
        raise ValidationError({"id_number": _("A person with this ID-card number is already registered.")}) from None
    org_by_id = {o.pk: o for o in orgs}
    return ImportSummary(
        count=len(members),
        by_org=sorted(((org_by_id[k], n) for k, n in by_org.items()), key=lambda t: t[0].path),
        member_ids=[m.pk for m in members],
    )


@dataclass
class ExportResult:
    count: int
    unmasked: int


def _bounded(qs: QuerySet[Member], limit: int) -> Iterator[Member]:
    yield from qs[:limit].iterator(chunk_size=2000)


def do_export_members(qs: QuerySet[Member], fileobj: IO[bytes], *, acting_user: ActingUser, filters: dict[str, Any]) -> ExportResult:
    """Write the members of ``qs`` (already scoped by the caller with ``members.export``) to
    ``fileobj`` as .xlsx. ID-card and phone numbers are masked unless the user holds
    ``members.view_pii`` on the member's organization; unmasked exports are logged separately."""
    if not has_any(acting_user, "members.export"):
        raise PermissionDenied(_("Your role may not export members."))
    limit: int = settings.DANGJIAN["MEMBERS_EXPORT_MAX_ROWS"]  # type: ignore[assignment]
    pii_anywhere = has_any(acting_user, "members.view_pii")
    qs = qs.select_related("person", "organization").order_by("org_path", "pk")
    if not pii_anywhere:
        # Never even decrypt what will not be written.
        qs = without_plaintext(qs)

    def full_pii(member: Member) -> bool:
        return pii_anywhere and can_view_pii(acting_user, member)

    count, unmasked = excel.write_members(fileobj, _bounded(qs, limit), full_pii=full_pii)
    with transaction.atomic():
        audit.record(acting_user, "member.exported", None,
                     after={"count": count, "filters": filters, "unmasked": unmasked, "truncated": count >= limit},
                     target_label="members.xlsx", org_path=filters.get("org_path", ""))
        if unmasked:
            audit.record(acting_user, "member.pii_exported", None,
                         after={"count": unmasked, "filters": filters},
                         target_label="members.xlsx", org_path=filters.get("org_path", ""))
    return ExportResult(count=count, unmasked=unmasked)
