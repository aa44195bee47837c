"""Probation extension (DOMAIN.md §4): once, 6–12 months, decided by the branch and approved by
the committee above; the full-membership rule then waits for the extended date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from dangjian.core.models import AuditEvent
from dangjian.core.months import add_months
from dangjian.members.lifecycle import ChangeKind, RequestStatus
from dangjian.members.lifecycle.actions import do_approve_status_request, do_propose_status_change
from dangjian.members.lifecycle.selectors import probation_ends_on, probation_extension_months

pytestmark = pytest.mark.django_db


def _propose(member: Any, user: Any, **data: Any) -> Any:
    return do_propose_status_change(member, {"reason": "支部大会决定延长预备期", **data}, acting_user=user)


@pytest.fixture
def bob(tree: Any, root_user: Any, today: dt.date) -> Any:
    """A probationary member whose branch-assembly vote was 13 months ago (probation just ended)."""
    from dangjian.members.actions import do_update_member

    do_update_member(tree.bob, {"join_date": add_months(today, -13)}, acting_user=root_user)
    tree.bob.refresh_from_db()
    return tree.bob


@pytest.mark.parametrize("months", [None, 5, 13, 0])
def test_extension_is_6_to_12_months(bob: Any, people: Any, months: int | None) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _propose(bob, people.secretary, kind=ChangeKind.EXTEND, extension_months=months)
    assert "6 to 12 months" in exc.value.message_dict["extension_months"][0]


def test_extension_not_for_full_members(tree: Any, people: Any) -> None:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _propose(tree.alice, people.secretary, kind=ChangeKind.EXTEND, extension_months=6)
    assert "probationary" in exc.value.message_dict["kind"][0]


def test_branch_decides_committee_above_approves_and_full_rule_follows(bob: Any, people: Any,
                                                                       today: dt.date) -> None:
    join = bob.join_date
    assert probation_ends_on(bob) == add_months(join, 12)
    req = _propose(bob, people.secretary, kind=ChangeKind.EXTEND, extension_months=9)
    assert req.extension_months == 9 and probation_extension_months(bob) == 0  # pending: nothing moves yet
    with pytest.raises(PermissionDenied):
        do_approve_status_request(req, acting_user=people.secretary)
    with pytest.raises(PermissionDenied):
        do_approve_status_request(req, acting_user=people.other_town)
    do_approve_status_request(req, acting_user=people.town_secretary, note="同意延长")
    bob.refresh_from_db()
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and bob.status == "probationary"
    assert probation_ends_on(bob) == add_months(join, 21)
    assert AuditEvent.objects.filter(action="lifecycle.probation_extended", target_id=str(bob.pk)).exists()

    # the full-membership rule now waits for the extended date, even after the original year
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _propose(bob, people.secretary, kind=ChangeKind.FULL, effective_on=today)
    assert add_months(join, 21).isoformat() in exc.value.message_dict["effective_on"][0]

    # only once
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        _propose(bob, people.secretary, kind=ChangeKind.EXTEND, extension_months=6)
    assert "only once" in exc.value.message_dict["extension_months"][0]


def test_full_membership_on_the_extended_date(bob: Any, people: Any, root_user: Any, today: dt.date) -> None:
    from dangjian.members.actions import do_update_member

    do_update_member(bob, {"join_date": add_months(today, -18)}, acting_user=root_user)
    bob.refresh_from_db()
    req = _propose(bob, people.secretary, kind=ChangeKind.EXTEND, extension_months=6,
                   effective_on=add_months(today, -6))
    do_approve_status_request(req, acting_user=people.town_secretary)
    full = _propose(bob, people.secretary, kind=ChangeKind.FULL, effective_on=today)
    do_approve_status_request(full, acting_user=people.town_secretary)
    bob.refresh_from_db()
    assert bob.status == "full" and bob.full_date == today


def test_rejected_extension_does_not_count(bob: Any, people: Any) -> None:
    from dangjian.members.lifecycle.actions import do_reject_status_request

    req = _propose(bob, people.secretary, kind=ChangeKind.EXTEND, extension_months=12)
    do_reject_status_request(req, acting_user=people.town_secretary, note="无需延长")
    assert probation_extension_months(bob) == 0 and probation_ends_on(bob) == add_months(bob.join_date, 12)
    _propose(bob, people.secretary, kind=ChangeKind.EXTEND, extension_months=6)  # may be proposed again


def test_extension_through_the_page_and_api(client: Any, bob: Any, people: Any) -> None:
    client.force_login(people.secretary)
    r = client.post("/lifecycle/status-requests/new/", {"member": bob.pk, "kind": "extend",
                                                       "extension_months": "8", "reason": "需继续考察"})
    assert r.status_code == 302
    from dangjian.members.lifecycle.models import StatusChangeRequest

    req = StatusChangeRequest.objects.get(member=bob)
    assert req.kind == ChangeKind.EXTEND and req.extension_months == 8
    page = client.get(f"/lifecycle/status-requests/{req.pk}/").content.decode()
    assert ">8<" in page
