from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from dangjian.ballots import crypto
from dangjian.ballots.actions import (
    do_create_evaluation,
    do_open_evaluation,
    do_register_trustee_key,
    do_set_trustees,
)
from dangjian.ballots.models import Evaluation
from dangjian.testing.fixtures import make_member, make_user

SUBJECTS = ["王建国", "李秀英"]


def settings_data(**extra: Any) -> dict[str, Any]:
    now = timezone.now()
    return {"title": "2026年度领导班子民主测评", "kind": "cadre", "scale": "civil_servant",
            "dimensions": ["德", "总体评价"], "min_group": 3,
            "opens_at": now - dt.timedelta(minutes=5), "closes_at": now + dt.timedelta(hours=2), **extra}


@pytest.fixture
def bt(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    """Two trustees (the organizer of town A and the discipline officer) and more members on branch A1
    (alice and bob are there already): a roll of five."""
    for name in ("孙一", "周二", "吴三"):
        make_member(tree.branch_a1, name, acting_user=root_user)
    t2 = make_user("trustee-two", None, None, acting_user=root_user)
    return SimpleNamespace(trustees=[users.discipline, t2])


@pytest.fixture
def make_evaluation(tree: Any, users: Any, bt: Any) -> Callable[..., Any]:
    def make(*, state: str = "open", org: Any = None, **extra: Any) -> SimpleNamespace:
        evaluation = do_create_evaluation(org or tree.branch_a1, settings_data(**extra), subjects=SUBJECTS,
                                          acting_user=users.organizer)
        out = SimpleNamespace(evaluation=evaluation, secrets={}, codes=[])
        if state == "draft":
            return out
        do_set_trustees(evaluation, bt.trustees, acting_user=users.organizer)
        if state == "keys":
            return out
        for t in evaluation.trustees.select_related("user"):
            secret, public = crypto.keygen()
            out.secrets[t.index] = secret
            do_register_trustee_key(evaluation, public_key=public,
                                    key_proof=crypto.key_proof(str(evaluation.uuid), t.index, secret),
                                    acting_user=t.user)
        if state == "ready":
            return out
        out.codes = do_open_evaluation(evaluation, acting_user=users.organizer)
        evaluation.refresh_from_db()
        return out

    return make


def ballot(evaluation: Evaluation, pick: int = 0, picks: list[int] | None = None) -> dict[str, Any]:
    n = len(evaluation.manifest["questions"])
    return crypto.encrypt_ballot(evaluation.manifest, evaluation.eid, picks or [pick] * n)


def decrypt_all(ev: SimpleNamespace) -> None:
    from dangjian.ballots.actions import do_submit_decryption

    e = ev.evaluation
    e.refresh_from_db()
    for t in e.trustees.select_related("user"):
        shares = crypto.partial_decrypt(e.eid, t.index, ev.secrets[t.index], e.tally)
        do_submit_decryption(e, shares=shares, acting_user=t.user)
    e.refresh_from_db()
