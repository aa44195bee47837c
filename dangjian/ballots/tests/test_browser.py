"""In Chromium on a phone-sized screen: a voter scans a slip and casts, then finds the receipt on
the bulletin; two trustees create their keys in the browser and later decrypt the tally; codes
sent to the voters reach them in the inbox; a background count shows its progress."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dangjian.ballots.actions import do_cast_ballot, do_close_evaluation, do_open_evaluation
from dangjian.ballots.choices import Delivery, State
from dangjian.ballots.models import Ballot, Evaluation
from dangjian.ballots.tests.conftest import ballot
from dangjian.testing.browser import PHONE_VIEWPORT, login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems


def test_voter_scans_a_slip_casts_and_finds_the_receipt(live_server: Any, phone_page: Any, users: Any,
                                                        make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    page = phone_page
    problems = watch(page)
    page.goto(f"{live_server.url}/ballots/{e.uuid}/vote/#{ev.codes[0]}")
    page.wait_for_load_state("networkidle")
    assert "#" not in page.url  # the code left the address bar
    assert page.input_value("#credential") == ev.codes[0]
    page.click("#cast")  # nothing picked yet: the browser's own check stops it
    assert page.is_hidden("#vote-done") and not Ballot.objects.exists()
    for q in range(4):
        page.locator(f"fieldset[data-question='{q}'] input").nth(q % 4).check()
    page.click("#cast")
    page.wait_for_selector("#vote-done:not([hidden])")
    receipt = page.text_content("#vote-receipt")
    assert Ballot.objects.filter(evaluation=e, receipt=receipt).count() == 1
    # the same slip again is refused, with the reason on the page (a query string: a new page load)
    page.goto(f"{live_server.url}/ballots/{e.uuid}/vote/?again=1#{ev.codes[0]}")
    page.wait_for_load_state("networkidle")
    for q in range(4):
        page.locator(f"fieldset[data-question='{q}'] input").first.check()
    page.click("#cast")
    page.wait_for_function("() => document.querySelector('#vote-status').textContent.includes('投票码')")
    assert Ballot.objects.filter(evaluation=e).count() == 1
    for code in ev.codes[1:3]:
        do_cast_ballot(e, code, ballot(e))
    do_close_evaluation(e, acting_user=users.organizer)
    page.goto(f"{live_server.url}/ballots/{e.uuid}/bulletin/")
    page.fill("#receipt", receipt)
    page.click("#receipt-form button")
    page.wait_for_selector("#receipt-found")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
    assert [p for p in problems if "403" not in p] == []  # the browser logs the refused second use


def test_two_trustees_make_keys_and_decrypt_the_tally(live_server: Any, chromium: Any, tmp_path: Path,
                                                      users: Any, bt: Any, make_evaluation: Any) -> None:
    ev = make_evaluation(state="keys")
    e = ev.evaluation
    files: dict[str, Path] = {}
    passphrase = "correct horse battery staple"
    for trustee in bt.trustees:
        context = chromium.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN",
                                       accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        problems = watch(page)
        login(page, live_server.url, trustee.username, PASSWORD)
        page.goto(f"{live_server.url}/ballots/{e.uuid}/trustee/")
        page.fill("#passphrase", passphrase)
        with page.expect_download() as download:
            page.click("#key-form button")
        files[trustee.username] = tmp_path / f"{trustee.username}.json"
        download.value.save_as(files[trustee.username])
        page.wait_for_function("() => document.querySelector('#key-form').hidden")
        assert problems == []
        context.close()
    key_file = json.loads(files[bt.trustees[0].username].read_text())
    assert key_file["format"] == "dangjian-ballots-key/1" and "secret" not in json.dumps(key_file)
    e.refresh_from_db()
    assert all(t.has_key for t in e.trustees.all())
    ev.codes = do_open_evaluation(e, acting_user=users.organizer)
    e.refresh_from_db()
    picks = [[0, 1, 1, 3], [0, 0, 1, 3], [1, 0, 2, 3]]
    for code, p in zip(ev.codes, picks, strict=False):
        do_cast_ballot(e, code, ballot(e, picks=p))
    do_close_evaluation(e, acting_user=users.organizer)
    for trustee in bt.trustees:
        context = chromium.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(30_000)
        problems = watch(page)
        login(page, live_server.url, trustee.username, PASSWORD)
        page.goto(f"{live_server.url}/ballots/{e.uuid}/trustee/")
        page.set_input_files("#key-file", str(files[trustee.username]))
        if trustee == bt.trustees[0]:  # a wrong passphrase: refused, said in the page's language
            page.fill("#passphrase", passphrase + "!")
            page.click("#decrypt-form button")
            page.wait_for_function("() => document.querySelector('#trustee-status').textContent.includes('口令错误')")
            assert page.is_visible("#decrypt-form")
        page.fill("#passphrase", passphrase)
        page.click("#decrypt-form button")
        page.wait_for_function("() => document.querySelector('#decrypt-form').hidden")
        assert problems == []
        context.close()
    e = Evaluation.objects.get(pk=e.pk)
    assert e.state == State.TALLIED
    assert [r.counts for r in e.results.all()] == [[2, 1, 0, 0], [2, 1, 0, 0], [0, 2, 1, 0], [0, 0, 0, 3]]


def test_organizer_opens_and_prints_the_slips(live_server: Any, phone_page: Any, users: Any,
                                              make_evaluation: Any) -> None:
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    page = phone_page
    problems = watch(page)
    login(page, live_server.url, users.organizer.username, PASSWORD)
    page.goto(f"{live_server.url}/ballots/{e.uuid}/")
    page.click("#open-form button[type=submit]")
    page.wait_for_selector("#slips")
    assert page.locator(".ballot-slip").count() == 5
    loaded = page.evaluate("() => [...document.querySelectorAll('.ballot-slip img')].every(i => i.naturalWidth > 0)")
    assert loaded
    code = page.text_content(".ballot-slip code")
    e.refresh_from_db()
    assert e.state == State.OPEN
    # the slip's link opens the voting page with the code filled in
    page.goto(f"{live_server.url}/ballots/{e.uuid}/vote/#{code}")
    page.wait_for_load_state("networkidle")
    assert page.input_value("#credential") == code
    assert problems == []


SMALL_PHONE = {"width": 360, "height": 640}


def phone(chromium: Any) -> Any:
    context = chromium.new_context(viewport=SMALL_PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_codes_sent_to_voters_the_voter_votes_from_the_inbox(live_server: Any, chromium: Any, users: Any,
                                                            make_evaluation: Any) -> None:
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    organizer = phone(chromium)
    problems = watch(organizer)
    login(organizer, live_server.url, users.organizer.username, PASSWORD)
    organizer.goto(f"{live_server.url}/ballots/{e.uuid}/")
    organizer.check(f"#open-form input[name=delivery][value='{Delivery.SEND}']")
    organizer.click("#open-form button[type=submit]")
    organizer.wait_for_selector("#codes-sent")
    assert organizer.locator(".ballot-slip").count() == 4  # the four members without an account
    assert problems == []
    organizer.context.close()
    # the voter signs in, opens the message in the inbox: the link carries the code in its fragment
    voter = phone(chromium)
    problems = watch(voter)
    login(voter, live_server.url, users.member.username, PASSWORD)
    voter.goto(f"{live_server.url}/notifications/")
    voter.click(".notification-actions form:first-child button")
    voter.wait_for_selector("#vote-form")
    voter.wait_for_load_state("networkidle")
    assert voter.url == f"{live_server.url}/ballots/{e.uuid}/vote/"  # the code left the address bar
    assert voter.input_value("#credential") and voter.is_visible("#my-vote-unused")
    for q in range(4):
        voter.locator(f"fieldset[data-question='{q}'] input").nth(1).check()
    voter.click("#cast")
    voter.wait_for_selector("#vote-done:not([hidden])")
    assert Ballot.objects.filter(evaluation=e).count() == 1
    # "my vote" now says used
    voter.reload()
    assert voter.is_visible("#my-vote-used")
    assert voter.evaluate("() => document.documentElement.scrollWidth") <= SMALL_PHONE["width"]
    assert problems == []
    voter.context.close()


def test_a_background_count_shows_its_progress(live_server: Any, chromium: Any, settings: Any, users: Any,
                                               make_evaluation: Any) -> None:
    from dangjian.ballots import counting

    settings.BALLOTS_SYNC_TALLY_LIMIT = 1  # two ballots count in the background
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # no worker yet
    ev = make_evaluation()
    e = ev.evaluation
    for code in ev.codes[:2]:
        do_cast_ballot(e, code, ballot(e))
    page = phone(chromium)
    problems = watch(page)
    login(page, live_server.url, users.organizer.username, PASSWORD)
    page.goto(f"{live_server.url}/ballots/{e.uuid}/")
    page.click("#close-form button")
    page.wait_for_selector("#tally-progress")
    assert "0" in page.text_content("#tally-progress") and "2" in page.text_content("#tally-progress")
    assert Evaluation.objects.get(pk=e.pk).state == State.CLOSING
    # the worker counts; the page reloads by itself (every 5 s) and shows the result
    assert counting.run_tally(e.pk) == State.TALLIED  # two ballots, below the minimum group of 3
    page.wait_for_selector("#bulletin-link", timeout=15_000)
    assert not page.is_visible("#tally-progress")
    assert problems == []
    page.context.close()
