"""Hooks: demo seeder (through the real action), registrations in AppConfig.ready()."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.hooks import DemoContext
from dangjian.core.navigation import nav_entries
from dangjian.core.notifications import KINDS
from dangjian.core.roles import ROLE_PERMISSIONS, Role
from dangjian.members.lifecycle.hooks import seed_demo
from dangjian.members.lifecycle.models import FloatingCertificate

pytestmark = pytest.mark.django_db


def test_demo_seeder_issues_one_certificate_to_the_demo_member(tree: Any, people: Any) -> None:
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1,
                      users={"demo-secretary": people.secretary, "demo-member": people.member},
                      rng=random.Random(1), today=timezone.localdate(), scale="small")  # noqa: S311
    seed_demo(ctx)
    cert = FloatingCertificate.objects.get()
    assert cert.member == tree.alice and cert.home_org == tree.branch_a1
    assert cert.host_org is not None and cert.host_org != tree.branch_a1 and cert.status == "issued"


def test_registrations() -> None:
    assert {"lifecycle.view", "lifecycle.manage", "lifecycle.propose", "lifecycle.approve"} <= ROLE_PERMISSIONS[Role.SECRETARY]
    assert "lifecycle.approve" not in ROLE_PERMISSIONS[Role.ORGANIZER]
    assert "lifecycle.manage" not in ROLE_PERMISSIONS[Role.MEMBER]
    assert {"lifecycle.certificate", "lifecycle.report", "lifecycle.status_request"} <= set(KINDS)
    assert {"lifecycle:floating", "lifecycle:requests"} <= {link.url_name for link in nav_entries()}


def test_member_home_shows_probation_certificate_and_pending_change(client: Any, tree: Any, people: Any,
                                                                   root_user: Any) -> None:
    """党员e家: a probationary member sees when probation ends (extended, once approved), a
    pending status change and the floating certificate in force."""
    import datetime as dt

    from dangjian.core.months import add_months
    from dangjian.members.actions import do_link_account, do_update_member
    from dangjian.members.lifecycle.actions import (
        do_approve_status_request,
        do_issue_certificate,
        do_propose_status_change,
    )
    from dangjian.members.lifecycle.tests.conftest import issue_data
    from dangjian.testing.fixtures import make_user

    today = timezone.localdate()
    bob = tree.bob
    do_update_member(bob, {"join_date": add_months(today, -13)}, acting_user=root_user)
    bob.refresh_from_db()
    user = make_user("member-bob", "member", tree.branch_a1, acting_user=root_user)
    do_link_account(bob, user, acting_user=root_user)
    client.force_login(user)
    page = client.get("/me/").content.decode()
    assert add_months(bob.join_date, 12).isoformat() in page
    req = do_propose_status_change(bob, {"kind": "extend", "extension_months": 6, "reason": "延长",
                                         "effective_on": today - dt.timedelta(days=3)}, acting_user=people.secretary)
    page = client.get("/me/").content.decode()
    assert req.get_kind_display() in page  # awaiting approval
    do_approve_status_request(req, acting_user=people.town_secretary)
    cert = do_issue_certificate(bob, issue_data(tree.branch_b1), acting_user=people.secretary)
    page = client.get("/me/").content.decode()
    assert add_months(bob.join_date, 18).isoformat() in page and cert.number in page
