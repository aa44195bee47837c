"""Member writes the development pipeline needs (owned by the ``development`` sub-app).

``do_create_member`` always makes a new ``Person``; an admitted applicant already has one (with
their encrypted ID number), so admission registers the membership for that person here. Same
checks and audit event as ``members.actions.do_create_member``."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.core.scoping import require
from dangjian.members import AddType, MemberStatus, SpellChange
from dangjian.members.actions import _check_branch, member_snapshot
from dangjian.members.models import Member, Person
from dangjian.members.spells import record_change
from dangjian.orgs.models import Organization


def do_register_probationary_member(person: Person, org: Organization, *, join_date: dt.date,
                                    acting_user: ActingUser, note: str = "") -> Member:
    """Register ``person`` as a probationary member of ``org`` joined on ``join_date``
    (the branch assembly's vote). Newly developed (add type ``developed``). The caller checks
    that the person is not a member yet (the one-to-one constraint refuses a second record)."""
    require(acting_user, "members.add", org.path)
    _check_branch(org)
    member = Member(person=person, organization=org, org_path=org.path, status=MemberStatus.PROBATIONARY,
                    category="in_service", join_date=join_date, add_type=AddType.DEVELOPED,
                    status_changed_on=join_date, note=note)
    with transaction.atomic():
        member.save()
        record_change(member, on_date=join_date, change=SpellChange.DEVELOPED)
        audit.record(acting_user, "member.created", member, after=member_snapshot(member), org_path=org.path)
    return member
