"""Disclosure (S3): a matter that chooses it shows each application's steps on the portal's matter
timeline (through core.hooks: the portal never imports services) — masked name, organizations,
dates and states, never the answers; other matters' applications are not found."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dangjian.core.hooks import matter_source
from dangjian.services.actions import do_save_matter, do_sign_step, do_submit_application, do_withdraw_application

pytestmark = pytest.mark.django_db


def test_a_disclosing_matter_shows_its_steps_on_the_portal(tree: Any, users: Any, sv: Any) -> None:
    hidden = do_submit_application(sv.proof, {"purpose": "政审"}, acting_user=users.member)
    source = matter_source("service")
    assert source is not None and source.get(hidden.public_id) is None and source.count() == 0
    definitions = [{"name": d.name, "anchor": d.anchor, "anchor_kind": d.anchor_kind,
                    "fixed_organization": d.fixed_organization_id, "rule": d.rule, "quorum": d.quorum,
                    "time_limit_days": d.time_limit_days} for d in sv.proof.step_definitions.all()]
    do_save_matter(sv.proof.organization, {"title": sv.proof.title, "audience": sv.proof.audience,
                                                   "disclose_steps": True}, definitions, matter=sv.proof,
                   acting_user=users.admin)
    app = do_submit_application(sv.proof, {"purpose": "政审", "note": "秘密的说明"}, acting_user=users.member)
    do_sign_step(app, "approve", "内部意见", acting_user=users.secretary)
    page = Client().get(f"/portal/matters/service/{app.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "党员身份证明 · 张*丽" in html and "张爱丽" not in html
    assert "党支部审核" in html and "县委组织部出具" in html and tree.branch_a1.name in html
    assert "秘密的说明" not in html and "内部意见" not in html and users.secretary.name not in html
    assert source.count() == 2 and source.listing(0, 10)[0]["ref"] == app.public_id
    do_withdraw_application(app, acting_user=users.member)
    assert Client().get(f"/portal/matters/service/{app.public_id}/").status_code == 404
    assert Client().get("/portal/matters/service/no-such-ref/").status_code == 404
