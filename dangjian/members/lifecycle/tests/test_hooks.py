"""Hooks: demo seeder (through the real action), registrations in AppConfig.ready()."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.hooks import DemoContext, nav_links
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
    assert {"lifecycle:floating", "lifecycle:requests"} <= {link.url_name for link in nav_links()}
