"""The pages: organizer flow, slips, results below the minimum, public vote and bulletin pages, scope."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.ballots.actions import do_cast_ballot, do_close_evaluation, normalize_code
from dangjian.ballots.choices import State
from dangjian.ballots.models import Credential, Evaluation
from dangjian.ballots.tests.conftest import ballot, decrypt_all

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_organizer_creates_names_trustees_and_sees_errors(tree: Any, users: Any, bt: Any) -> None:
    c = login(users.organizer)
    assert c.get("/ballots/new/").status_code == 200
    start = timezone.localtime() + dt.timedelta(hours=1)
    data = {"org": tree.branch_a1.pk, "title": "", "kind": "cadre", "scale": "civil_servant",
            "subjects": "王建国\n李秀英", "dimensions": "德、能、勤、绩、廉、总体评价",
            "opens_at": start.strftime("%Y-%m-%dT%H:%M"), "closes_at": start.strftime("%Y-%m-%dT%H:%M"),
            "min_group": 5, "flag_lowest": 33, "flag_low": 50}
    r = c.post("/ballots/new/", data)
    assert r.status_code == 200 and not Evaluation.objects.exists()
    assert "The evaluation must close after it opens." in r.content.decode() or "关闭" in r.content.decode()
    data.update(title="年度民主测评", closes_at=(start + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    r = c.post("/ballots/new/", data)
    e = Evaluation.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/ballots/{e.uuid}/"
    assert e.dimensions == ["德", "能", "勤", "绩", "廉", "总体评价"] and e.subjects.count() == 2
    r = c.post(f"/ballots/{e.uuid}/trustees/", {"usernames": f"{bt.trustees[0].username}\nno-such-user"})
    e.refresh_from_db()
    assert e.state == State.DRAFT
    r = c.post(f"/ballots/{e.uuid}/trustees/", {"usernames": "\n".join(u.username for u in bt.trustees)})
    e.refresh_from_db()
    assert e.state == State.KEYS and e.trustees.count() == 2
    page = c.get(f"/ballots/{e.uuid}/").content.decode()
    assert "trustee-list" in page and "open-form" not in page  # keys still awaited
    # the member of another town, and the member themselves, do not find it
    for outsider in (users.member, users.nobody):
        assert login(outsider).get(f"/ballots/{e.uuid}/").status_code == 404
    assert login(users.discipline).post(f"/ballots/{e.uuid}/close/").status_code == 403


def test_open_shows_the_codes_once_with_qr_codes(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    c = login(users.organizer)
    assert "open-form" in c.get(f"/ballots/{e.uuid}/").content.decode()
    r = c.post(f"/ballots/{e.uuid}/open/", {"usernames": users.publicity.username})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    page = r.content.decode()
    codes = re.findall(r"<code>([2-9A-Z]{4}(?:-[2-9A-Z]{4}){5})</code>", page)
    assert len(codes) == 6 and page.count("data:image/svg+xml") == 6
    e.refresh_from_db()
    assert e.state == State.OPEN
    hashes = set(Credential.objects.filter(evaluation=e).values_list("code_hash", flat=True))
    from dangjian.ballots.actions import code_hash

    assert {code_hash(e, normalize_code(x)) for x in codes} == hashes
    # opening again does nothing; the detail page shows no code
    r = c.post(f"/ballots/{e.uuid}/open/")
    assert r.status_code == 302
    assert not any(x in c.get(f"/ballots/{e.uuid}/").content.decode() for x in codes)


def test_vote_page_is_public_and_carries_no_code(make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    page = Client().get(f"/ballots/{e.uuid}/vote/").content.decode()
    assert 'id="vote-form"' in page and "ballots/vote.js" in page and "王建国 · 德" in page
    assert e.eid in page
    assert Client().get("/ballots/00000000-0000-4000-8000-000000000000/vote/").status_code == 404
    draft = make_evaluation(state="keys").evaluation
    assert Client().get(f"/ballots/{draft.uuid}/vote/").status_code == 404


def test_results_hidden_below_min_group(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation(min_group=4)
    e = ev.evaluation
    for code in ev.codes[:3]:
        do_cast_ballot(e, code, ballot(e, pick=3))
    do_close_evaluation(e, acting_user=users.organizer)
    page = login(users.organizer).get(f"/ballots/{e.uuid}/results/").content.decode()
    assert 'id="results-hidden"' in page and "不称职" not in page
    bulletin = Client().get(f"/ballots/{e.uuid}/bulletin/").content.decode()
    assert 'id="results-hidden"' in bulletin


def test_results_flags_and_bulletin_receipt_lookup(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    receipts = [do_cast_ballot(e, code, ballot(e, pick=3 if i < 2 else 0)) for i, code in enumerate(ev.codes[:4])]
    assert Client().get(f"/ballots/{e.uuid}/bulletin/").status_code == 404  # not before closing
    do_close_evaluation(e, acting_user=users.organizer)
    decrypt_all(ev)
    page = login(users.organizer).get(f"/ballots/{e.uuid}/results/").content.decode()
    assert page.count("status-flagged") == 2  # half the ballots gave 不称职 to both
    assert login(users.member).get(f"/ballots/{e.uuid}/results/").status_code == 404
    anon = Client()
    found = anon.get(f"/ballots/{e.uuid}/bulletin/", {"receipt": receipts[0]}).content.decode()
    assert 'id="receipt-found"' in found
    missing = anon.get(f"/ballots/{e.uuid}/bulletin/", {"receipt": "0" * 64}).content.decode()
    assert 'id="receipt-missing"' in missing
    assert "status-flagged" not in found  # flags are for the organizers, not the public


def test_list_page_bounded(users: Any, make_evaluation: Any, django_assert_max_num_queries: Any) -> None:
    for _i in range(4):
        make_evaluation(state="draft")
    c = login(users.organizer)
    c.get("/ballots/")
    with django_assert_max_num_queries(25):
        r = c.get("/ballots/")
    assert r.status_code == 200 and r.content.decode().count("/ballots/") >= 4
    assert login(users.nobody).get("/ballots/").status_code == 403


def test_every_kind_of_script_error_has_a_translated_message() -> None:
    """crypto.js, vote.js and trustee.js show the text of the page's #ballot-messages for the
    kind of each error (DJBallots.explain): every kind they raise has one, in Chinese."""
    from pathlib import Path

    from django.template.loader import render_to_string
    from django.utils import translation

    static = Path(__file__).resolve().parent.parent / "static" / "ballots"
    source = "".join((static / name).read_text() for name in ("crypto.js", "vote.js", "trustee.js"))
    kinds = set(re.findall(r'fail\([^\n]*?, "([a-z-]+)"\);', source))
    kinds |= set(re.findall(r'\bas\("([a-z-]+)"', source)) | set(re.findall(r'BallotError\([^\n]*?, "([a-z-]+)"\)', source))
    assert {"manifest", "picks", "key", "key-file", "passphrase", "too-few", "bulletin", "server"} <= kinds
    with translation.override("zh-hans"):
        html = render_to_string("ballots/_js_messages.html")
    texts = dict(re.findall(r'data-err-([a-z-]+)="([^"]*)"', html))
    assert kinds | {"data", "network"} <= set(texts), kinds - set(texts)
    for kind, text in texts.items():
        assert re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"[A-Za-z]{3,}", text), (kind, text)
