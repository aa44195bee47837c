"""Fixtures of reports: cheap Argon2id and proof of work (the production figures are tested in
test_crypto), a fresh in-memory throttle, discipline staff at the county and in town A."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from dangjian.cases.actions import do_create_department
from dangjian.core.roles import Role
from dangjian.reports import actions as act
from dangjian.reports import crypto, throttle
from dangjian.testing.fixtures import make_user

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _cheap_crypto(settings: Any) -> Iterator[None]:
    settings.REPORTS_STAFF_KDF = (crypto.TEST_KDF.ops, crypto.TEST_KDF.mem)
    settings.REPORTS_RECEIPT_KDF = (crypto.TEST_KDF.ops, crypto.TEST_KDF.mem)
    settings.REPORTS_POW_BITS = 4
    settings.REPORTS_SUBMIT_RATE = "100/h"
    settings.REPORTS_FOLLOW_RATE = "100/10m"
    throttle.reset()
    yield
    throttle.reset()


def proof(purpose: str) -> dict[str, str]:
    c = throttle.new_challenge(purpose)
    return {"challenge": str(c["challenge"]), "nonce": crypto.solve_pow(str(c["challenge"]), int(str(c["bits"])))}


def keyed(user: Any) -> bytes:
    """Make ``user``'s key; returns the private key (as unlocking would)."""
    key = act.do_create_staff_key(PASSPHRASE, acting_user=user)
    return crypto.unlock_private(act.staff_key_record(key), PASSPHRASE)


@pytest.fixture
def staff(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    """Two county discipline officers (王纪检 with a key, 李监察 without one yet), a town-A officer
    (users.discipline) and a county custodian 赵保管 — keys made for all but 李监察."""
    county1 = make_user("wang-jj", Role.DISCIPLINE, tree.county, acting_user=root_user)
    county1.name = "王纪检"
    county1.save(update_fields=["name"])
    county2 = make_user("li-jc", Role.DISCIPLINE, tree.county, acting_user=root_user)
    custodian = make_user("zhao-bg", Role.DISCIPLINE, tree.county, acting_user=root_user)
    act.do_name_custodian(tree.county, custodian, acting_user=root_user)
    # each level's discipline-inspection department in the case engine (a report's case goes there)
    desks = {"county": do_create_department({"name": "县纪委监委", "organization": tree.county}, acting_user=root_user),
             "town": do_create_department({"name": "甲镇纪委", "organization": tree.town_a}, acting_user=root_user)}
    return SimpleNamespace(county1=county1, county2=county2, town=users.discipline, custodian=custodian, desks=desks,
                           keys={"county1": keyed(county1), "custodian": keyed(custodian),
                                 "town": keyed(users.discipline)})


def submit(**data: Any) -> act.Submitted:
    from django.contrib.auth.models import AnonymousUser

    base = {"content": "某局长在工程招标中收受好处费二十万元。", "accused": "某局长", "place": "县城"}
    return act.do_submit_report({**base, **data}, acting_user=AnonymousUser())
