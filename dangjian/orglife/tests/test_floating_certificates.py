"""Floating members come from the lifecycle module's certificates: a member whose certificate
names a branch as host is a guest without a vote in that branch's activities."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.members.lifecycle.actions import do_issue_certificate, do_return_certificate
from dangjian.orglife.tests.conftest import plan

pytestmark = pytest.mark.django_db


def test_certificate_holder_is_a_guest_without_vote_in_the_host_branch(tree: Any, users: Any, root_user: Any) -> None:
    # carol belongs to branch_a2; her certificate names branch_a1 as host
    cert = do_issue_certificate(tree.carol, {"reason": "外出务工", "host_unit": "某电子厂", "host_org": tree.branch_a1.pk},
                                acting_user=root_user)
    activity = plan(tree.branch_a1, users.secretary)
    guest = activity.attendees.get(member=tree.carol)
    assert guest.is_floating_guest and not guest.has_vote

    # in her home branch she stays a member with her own rights, not a guest
    home = plan(tree.branch_a2, root_user)
    own = home.attendees.get(member=tree.carol)
    assert not own.is_floating_guest

    # once the certificate is returned she is no longer expected in the host branch
    do_return_certificate(cert, reason="返回原籍", acting_user=root_user)
    later = plan(tree.branch_a1, users.secretary)
    assert not later.attendees.filter(member=tree.carol).exists()
