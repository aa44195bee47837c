"""Writes for the branch committee's seats (who sits on the 支委会, from when to when): the
heart-to-heart talk pairs and the secretary's yearly party lecture are computed from them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from dangjian.core import audit
from dangjian.core.actors import ActingUser
from dangjian.core.scoping import require
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member
from dangjian.orglife import CommitteePost
from dangjian.orglife.models import CommitteeSeat
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization

_FIELDS = ("organization", "member", "post", "start_date", "end_date")


def _overlapping(branch: Organization, start: dt.date, end: dt.date | None) -> Q:
    q = Q(organization=branch) & (Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        q &= Q(start_date__lte=end)
    return q


def do_add_committee_seat(branch: Organization, member_id: Any, post: str, start_date: Any,
                          end_date: Any = None, *, acting_user: ActingUser) -> CommitteeSeat:
    """Seat a current member of the branch on its committee. A member holds one seat at a time,
    and the branch one secretary at a time."""
    require(acting_user, "orglife.manage", branch.path)
    errors: dict[str, list[str]] = {}
    if branch.kind not in BRANCH_KINDS:
        errors["organization"] = [_("Only a branch has a branch committee.")]
    member = (Member.objects.select_related("person").filter(pk=member_id, organization=branch,
                                                              status__in=CURRENT_STATUSES).first()
              if str(member_id or "").isdigit() else None)
    if member is None:
        errors["member"] = [_("Choose a current member of this branch.")]
    if post not in CommitteePost.values:
        errors["post"] = [_("Choose the post on the committee.")]
    if not isinstance(start_date, dt.date):
        errors["start_date"] = [_("Enter the date the member took the seat.")]
    if end_date is not None and not isinstance(end_date, dt.date):
        errors["end_date"] = [_("Enter a valid date.")]
    elif end_date is not None and isinstance(start_date, dt.date) and end_date < start_date:
        errors["end_date"] = [_("The seat cannot end before it starts.")]
    if errors:
        raise ValidationError(errors)
    assert member is not None
    with transaction.atomic():
        Organization.objects.select_for_update().filter(pk=branch.pk).first()  # one writer per branch
        clash = CommitteeSeat.objects.filter(_overlapping(branch, start_date, end_date))
        if clash.filter(member=member).exists():
            raise ValidationError({"member": [_("This member already holds a committee seat in that period.")]})
        if post == CommitteePost.SECRETARY and clash.filter(post=CommitteePost.SECRETARY).exists():
            raise ValidationError({"post": [_("The branch already has a secretary in that period: end that seat "
                                              "first.")]})
        seat = CommitteeSeat.objects.create(organization=branch, member=member, post=post, start_date=start_date,
                                            end_date=end_date)
        audit.record(acting_user, "orglife.committee_seat_added", seat, after=audit.snapshot(seat, _FIELDS),
                     org_path=branch.path)
    return seat


def do_end_committee_seat(seat: CommitteeSeat, end_date: Any, *, acting_user: ActingUser) -> CommitteeSeat:
    """End a seat (term over, member left the committee) on ``end_date``."""
    branch = seat.organization
    require(acting_user, "orglife.manage", branch.path)
    if not isinstance(end_date, dt.date):
        raise ValidationError({"end_date": [_("Enter the last day on the committee.")]})
    with transaction.atomic():
        seat = CommitteeSeat.objects.select_for_update().get(pk=seat.pk)
        if seat.end_date is not None:
            raise ValidationError({"end_date": [_("This seat has already ended.")]})
        if end_date < seat.start_date:
            raise ValidationError({"end_date": [_("The seat cannot end before it starts.")]})
        before = audit.snapshot(seat, _FIELDS)
        seat.end_date = end_date
        seat.save(update_fields=["end_date"])
        audit.record(acting_user, "orglife.committee_seat_ended", seat, before=before,
                     after=audit.snapshot(seat, _FIELDS), org_path=branch.path)
    return seat
