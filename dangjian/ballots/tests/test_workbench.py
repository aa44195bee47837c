"""Evaluations on the workbench: to-dos of trustees and organizers, search, navigation, figures,
the closing job and the demo seeder."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.ballots import crypto
from dangjian.ballots.actions import do_cast_ballot, do_close_evaluation
from dangjian.ballots.choices import State
from dangjian.ballots.models import Ballot, Evaluation
from dangjian.ballots.tests.conftest import ballot, decrypt_all
from dangjian.core.navigation import navigation
from dangjian.core.search import search_all
from dangjian.core.todos import forget_counts, todos_for
from dangjian.testing.figures import assert_records, value

pytestmark = pytest.mark.django_db


def refs(user: Any, source: str) -> list[str]:
    forget_counts(user)
    return [t.ref for t in todos_for(user, sources=[source]).items]


def nav_keys(user: Any) -> set[str]:
    return {e["key"] for g in navigation(user, badges=False) for e in g["entries"]}


def test_trustee_and_organizer_todos_follow_the_state(users: Any, bt: Any, make_evaluation: Any) -> None:
    ev = make_evaluation(state="keys")
    e = ev.evaluation
    t1, t2 = bt.trustees
    assert refs(t1, "ballots.trustee") == [f"evaluation:{e.pk}:trustee"]
    assert refs(users.organizer, "ballots.organize") == []
    from dangjian.ballots.actions import do_register_trustee_key

    for t in e.trustees.select_related("user"):
        secret, public = crypto.keygen()
        ev.secrets[t.index] = secret
        do_register_trustee_key(e, public_key=public, key_proof=crypto.key_proof(str(e.uuid), t.index, secret),
                                acting_user=t.user)
    assert refs(t1, "ballots.trustee") == []
    assert refs(users.organizer, "ballots.organize") == [f"evaluation:{e.pk}:organize"]
    assert refs(users.admin, "ballots.organize") == [f"evaluation:{e.pk}:organize"]
    assert refs(users.secretary, "ballots.organize") == [f"evaluation:{e.pk}:organize"]  # branch A1's secretary
    from dangjian.ballots.actions import do_open_evaluation

    ev.codes = do_open_evaluation(e, acting_user=users.organizer)
    assert refs(users.organizer, "ballots.organize") == []
    for code in ev.codes[:3]:
        do_cast_ballot(e, code, ballot(e))
    Evaluation.objects.filter(pk=e.pk).update(closes_at=timezone.now() - dt.timedelta(minutes=1))
    assert refs(users.organizer, "ballots.organize") == [f"evaluation:{e.pk}:organize"]
    from dangjian.ballots.actions import close_due

    assert close_due() == 1
    assert refs(users.organizer, "ballots.organize") == []
    assert refs(t2, "ballots.trustee") == [f"evaluation:{e.pk}:trustee"]
    decrypt_all(ev)
    assert refs(t2, "ballots.trustee") == []
    assert e.state == State.TALLIED


def test_search_and_navigation_in_scope(users: Any, bt: Any, make_evaluation: Any) -> None:
    e = make_evaluation(state="keys").evaluation
    hits = search_all(users.organizer, "民主测评")
    assert [h.url for g in hits if g["kind"] == "ballots" for h in g["items"]] == [f"/ballots/{e.uuid}/"]
    assert not [g for g in search_all(users.member, "民主测评") if g["kind"] == "ballots"]
    assert {"ballots:list", "ballots:create"} <= nav_keys(users.organizer)
    assert "ballots:list" in nav_keys(bt.trustees[1]) and "ballots:create" not in nav_keys(bt.trustees[1])
    assert not {"ballots:list", "ballots:create"} & nav_keys(users.member)


def test_figures_count_tallied_evaluations(tree: Any, users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    for code in ev.codes[:4]:
        do_cast_ballot(e, code, ballot(e))
    do_close_evaluation(e, acting_user=users.organizer)
    today = timezone.localdate()
    assert value("ballots.held", tree.county, today) == 0  # not decrypted yet
    decrypt_all(ev)
    assert value("ballots.held", tree.county, today) == 1
    assert value("ballots.held", tree.branch_b1, today) == 0
    assert value("ballots.ballots", tree.town_a, today) == 4
    assert_records(Client(), users.admin, "ballots.held", tree.county, today, 1)


def test_demo_seeder(tree: Any, users: Any, root_user: Any) -> None:
    import random

    from dangjian.ballots.demo import demo_code, seed_demo
    from dangjian.ballots.selectors import bulletin
    from dangjian.ballots.verify import verify_bulletin
    from dangjian.core.hooks import DemoContext
    from dangjian.testing.fixtures import make_member, make_user

    for name in ("孙一", "周二", "吴三"):
        make_member(tree.branch_a1, name, acting_user=root_user)
    demo_users = {"demo-admin": users.admin, "demo-secretary": users.secretary,
                  "demo-member": make_user("demo-member", None, None, acting_user=root_user)}
    seed_demo(DemoContext(root=tree.county, branch=tree.branch_a1, users=demo_users, rng=random.Random(1),
                          today=timezone.localdate(), scale="small"))
    past, current = Evaluation.objects.order_by("pk")
    assert past.state == State.TALLIED and not past.results_hidden
    assert verify_bulletin(bulletin(past))["ballots"] == Ballot.objects.filter(evaluation=past).count() >= 3
    assert current.state == State.OPEN
    receipt = do_cast_ballot(current, demo_code(1), ballot(current))
    assert Ballot.objects.filter(evaluation=current, receipt=receipt).exists()
