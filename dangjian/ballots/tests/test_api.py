"""The API: lists in scope, the public manifest and bulletin, casting, the trustees' endpoints."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
from django.test import Client

from dangjian.ballots import crypto
from dangjian.ballots.actions import code_hash, do_close_evaluation, normalize_code
from dangjian.ballots.choices import State
from dangjian.ballots.models import AnswerTag, Ballot, Credential
from dangjian.ballots.tests.conftest import ballot
from dangjian.ballots.verify import verify_bulletin

pytestmark = pytest.mark.django_db
BASE = "/api/v1/ballots/evaluations"


def post(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_list_is_scoped_paginated_and_bounded(users: Any, bt: Any, tree: Any, make_evaluation: Any,
                                              django_assert_max_num_queries: Any) -> None:
    mine = [make_evaluation(state="draft").evaluation for _i in range(3)]
    c = Client()
    c.force_login(users.organizer)
    with django_assert_max_num_queries(6):
        answer = c.get(f"{BASE}").json()
    assert answer["count"] == 3 and answer["page"] == 1 and answer["page_size"] == 50
    assert {e["id"] for e in answer["items"]} == {str(e.uuid) for e in mine}
    assert set(answer["items"][0]) == {"id", "title", "state", "organization", "opens_at", "closes_at"}
    # pages: newest first, the same number of queries whatever the page size
    for _i in range(9):
        mine.append(make_evaluation(state="draft").evaluation)
    expected = [str(e.uuid) for e in sorted(mine, key=lambda e: (e.opens_at, e.pk), reverse=True)]
    seen: list[str] = []
    for page in (1, 2, 3):
        with django_assert_max_num_queries(6):
            answer = c.get(BASE, {"page": page, "page_size": 5}).json()
        assert answer["count"] == 12 and answer["page_size"] == 5
        seen += [e["id"] for e in answer["items"]]
    assert seen == expected
    assert c.get(BASE, {"page": 4, "page_size": 5}).json()["items"] == []
    r = c.get(BASE, {"page_size": 101})
    assert r.status_code == 422
    for outsider in (users.member, users.nobody, bt.trustees[1]):
        c.force_login(outsider)
        assert c.get(BASE).json()["items"] == []
    # a trustee sees the evaluations they hold a key for
    keyed = make_evaluation(state="keys").evaluation
    c.force_login(bt.trustees[1])
    assert [e["id"] for e in c.get(BASE).json()["items"]] == [str(keyed.uuid)]
    assert Client().get(BASE).status_code == 401


def test_vote_through_the_api(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    anon = Client(enforce_csrf_checks=True)
    m = anon.get(f"{BASE}/{e.uuid}/manifest").json()
    assert m["eid"] == e.eid == crypto.sha256hex(m["manifest_text"].encode())
    b = crypto.encrypt_ballot(json.loads(m["manifest_text"]), m["eid"], [0] * 4)
    r = post(anon, f"{BASE}/{e.uuid}/cast", {"credential": ev.codes[0], "ballot": b})
    assert r.status_code == 200 and r.json() == {"receipt": crypto.sha256hex(crypto.canon(b))}
    # the same code again, a replay, a bad ballot, an unknown field: 4xx with a reason, nothing stored
    r = post(anon, f"{BASE}/{e.uuid}/cast", {"credential": ev.codes[0], "ballot": ballot(e)})
    assert r.status_code == 403 and r.json()["code"] == "credential"
    r = post(anon, f"{BASE}/{e.uuid}/cast", {"credential": ev.codes[1], "ballot": b})
    assert r.status_code == 409 and r.json()["code"] == "replay"
    bad = copy.deepcopy(ballot(e))
    bad["answers"][1]["proof"]["s"] = bad["answers"][0]["proof"]["s"]
    r = post(anon, f"{BASE}/{e.uuid}/cast", {"credential": ev.codes[1], "ballot": bad})
    assert r.status_code == 400 and r.json()["code"] == "ballot" and "answer 2" in r.json()["message"]
    r = post(anon, f"{BASE}/{e.uuid}/cast", {"credential": ev.codes[1], "ballot": ballot(e), "voter": "x"})
    assert r.status_code == 422
    padded = {"credential": ev.codes[1], "ballot": {**ballot(e), "padding": "x" * 2_100_000}}
    r = post(anon, f"{BASE}/{e.uuid}/cast", padded)
    assert r.status_code == 413 and r.json()["code"] == "too_large"
    assert Ballot.objects.filter(evaluation=e).count() == 1
    assert Credential.objects.filter(evaluation=e, used=True).count() == 1
    # the bulletin exists only after closing
    assert anon.get(f"{BASE}/{e.uuid}/bulletin").status_code == 409
    for code in ev.codes[1:4]:
        assert post(anon, f"{BASE}/{e.uuid}/cast", {"credential": code, "ballot": ballot(e)}).status_code == 200
    do_close_evaluation(e, acting_user=users.organizer)
    r = post(anon, f"{BASE}/{e.uuid}/cast", {"credential": ev.codes[4], "ballot": ballot(e)})
    assert r.status_code == 409 and r.json()["code"] == "closed"
    bulletin = anon.get(f"{BASE}/{e.uuid}/bulletin").json()
    assert len(bulletin["ballots"]) == 4 and bulletin["result"] is None


def test_a_cast_stores_the_rows_the_models_describe_in_a_few_statements(
    make_evaluation: Any, django_assert_max_num_queries: Any
) -> None:
    """The cast's statements are written as SQL (actions._CastSQL): they store what the models
    say — random UUID keys, the canonical payload, one tag per answer, the code spent — in one
    look-up of the evaluation, one of the code, and one short transaction."""
    ev = make_evaluation()
    e = ev.evaluation
    b = ballot(e)
    # evaluation, live code, (savepoint), update, tags, ballot, still open, (release)
    with django_assert_max_num_queries(8):
        r = post(Client(), f"{BASE}/{e.uuid}/cast", {"credential": ev.codes[0], "ballot": b})
    assert r.status_code == 200 and r.json() == {"receipt": crypto.sha256hex(crypto.canon(b))}
    stored = Ballot.objects.get(evaluation=e)
    assert stored.payload == crypto.canon(b).decode() and stored.receipt == r.json()["receipt"]
    assert isinstance(stored.pk, uuid.UUID) and stored.pk.version == 4
    tags = list(AnswerTag.objects.filter(evaluation=e))
    assert sorted(t.tag for t in tags) == sorted(answer["choices"][0]["alpha"] for answer in b["answers"])
    assert len({t.pk for t in tags}) == len(tags) == 4 and all(t.pk.version == 4 for t in tags)
    spent = Credential.objects.get(code_hash=code_hash(e, normalize_code(ev.codes[0])))
    assert spent.used and Credential.objects.filter(evaluation=e, used=True).count() == 1
    assert stored.pk != spent.pk and stored.pk not in {t.pk for t in tags}


def test_unknown_or_draft_evaluation_is_404(make_evaluation: Any) -> None:
    draft = make_evaluation(state="keys").evaluation
    anon = Client()
    for url in (f"{BASE}/{draft.uuid}/manifest", f"{BASE}/{draft.uuid}/bulletin",
                f"{BASE}/00000000-0000-4000-8000-000000000000/manifest", f"{BASE}/12/manifest"):
        assert anon.get(url).status_code == 404
    for url in (f"{BASE}/{draft.uuid}/cast", f"{BASE}/00000000-0000-4000-8000-000000000000/cast", f"{BASE}/12/cast"):
        r = post(anon, url, {"credential": "x", "ballot": {}})
        assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_trustee_endpoints_only_for_the_trustee_and_need_csrf(users: Any, bt: Any, make_evaluation: Any) -> None:
    ev = make_evaluation(state="keys")
    e = ev.evaluation
    t1 = e.trustees.get(index=1)
    secret, public = crypto.keygen()
    body = {"public_key": public, "key_proof": crypto.key_proof(str(e.uuid), 1, secret)}
    other = Client()
    other.force_login(users.organizer)
    assert post(other, f"{BASE}/{e.uuid}/trustee/key", body).status_code == 404
    assert other.get(f"{BASE}/{e.uuid}/trustee").status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(t1.user)
    assert post(strict, f"{BASE}/{e.uuid}/trustee/key", body).status_code in (401, 403)
    strict.get(f"/ballots/{e.uuid}/trustee/")  # the page sets the CSRF cookie
    token = strict.cookies["csrftoken"].value
    r = strict.post(f"{BASE}/{e.uuid}/trustee/key", data=json.dumps(body), content_type="application/json",
                    headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.json()["has_key"] is True and r.json()["index"] == 1
    r = strict.post(f"{BASE}/{e.uuid}/trustee/key", data=json.dumps(body), content_type="application/json",
                    headers={"X-CSRFToken": token})
    assert r.status_code == 400 and r.json()["field"] == "public_key"
    t1.refresh_from_db()
    assert t1.public_key == public


def test_trustees_decrypt_through_the_api_and_the_bulletin_verifies(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    for i, code in enumerate(ev.codes[:3]):
        from dangjian.ballots.actions import do_cast_ballot

        do_cast_ballot(e, code, ballot(e, pick=i))
    do_close_evaluation(e, acting_user=users.organizer)
    e.refresh_from_db()
    for t in e.trustees.select_related("user"):
        c = Client()
        c.force_login(t.user)
        state = c.get(f"{BASE}/{e.uuid}/trustee").json()
        assert state["tally"] == e.tally and state["decrypted"] is False
        shares = crypto.partial_decrypt(e.eid, t.index, ev.secrets[t.index], state["tally"])
        r = post(c, f"{BASE}/{e.uuid}/trustee/decryption", {"shares": shares})
        assert r.status_code == 200, r.json()
    e.refresh_from_db()
    assert e.state == State.TALLIED
    bulletin = Client().get(f"{BASE}/{e.uuid}/bulletin").json()
    assert verify_bulletin(bulletin)["result"] == [[1, 1, 1, 0]] * 4
