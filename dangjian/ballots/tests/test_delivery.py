"""Voting codes sent to the voters (issue 18: "or sent by SMS/e-mail/the app") and the voter's
"my vote" status: the sent code reaches the voter through core's notifications, only in the text
and the link's fragment; voters without an account get slips; the voter sees whether their code
was used, and the to-do "vote in …" lasts until it is."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from dangjian.ballots import workbench as wb
from dangjian.ballots.actions import CODE_KIND, code_hash, do_cast_ballot, do_open_evaluation, normalize_code
from dangjian.ballots.choices import Delivery, State
from dangjian.ballots.models import Ballot, Credential, RollEntry
from dangjian.ballots.selectors import credential_counts, my_credential, slip_voters
from dangjian.ballots.tests.conftest import ballot
from dangjian.core.models import Delivery as NotificationDelivery
from dangjian.core.models import Notification, NotificationPreference
from dangjian.core.todos import todos_for
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db
CODE = re.compile(r"[2-9A-HJ-NP-Z]{4}(?:-[2-9A-HJ-NP-Z]{4}){5}")


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def sent_code(user: Any, evaluation: Any) -> str:
    """The code as the voter reads it in their message."""
    item = Notification.objects.get(recipient=user, kind=CODE_KIND)
    match = CODE.search(item.body)
    assert match is not None
    assert item.url == f"/ballots/{evaluation.uuid}/vote/#{match.group(0)}"
    return match.group(0)


def open_sending(ev: Any, users: Any, capture: Any, extra: list[Any] | None = None) -> list[str]:
    with capture(execute=True):
        codes = do_open_evaluation(ev.evaluation, extra_users=extra or [], acting_user=users.organizer, send=True)
    ev.evaluation.refresh_from_db()
    return codes


def test_codes_are_sent_to_voters_with_an_account_and_slips_to_the_others(
        users: Any, root_user: Any, make_evaluation: Any, django_capture_on_commit_callbacks: Any,
        caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    users.member.email = "alice@example.com"
    users.member.save(update_fields=["email"])
    NotificationPreference.objects.create(user=users.member, kind="*", email=True)
    gone = make_user("gone-voter", None, None, acting_user=root_user)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    # the roll: five members of the branch (only 张爱丽 has an account), plus two named accounts
    slips = open_sending(ev, users, django_capture_on_commit_callbacks, extra=[users.nobody, gone])
    assert e.state == State.OPEN and e.delivery == Delivery.SEND
    assert RollEntry.objects.filter(evaluation=e).count() == 7
    assert len(slips) == 5 and len({normalize_code(c) for c in slips}) == 5
    assert credential_counts(e) == {"issued": 7, "used": 0, "sent": 2, "slips": 5}
    # the voters without an active account are listed for their slips
    assert slip_voters(e) == ["李博", "孙一", "周二", "吴三", "gone-voter"] or set(slip_voters(e)) == {
        "李博", "孙一", "周二", "吴三", gone.name or "gone-voter"}
    # each sent credential names its voter's roll entry, and the code in the message is that credential's
    for user in (users.member, users.nobody):
        code = sent_code(user, e)
        cred = Credential.objects.get(evaluation=e, voter__user=user)
        assert cred.code_hash == code_hash(e, normalize_code(code)) and not cred.used
        assert code not in slips
    assert not Notification.objects.filter(recipient=gone).exists()
    # the e-mail the voter switched on carries the code in the text and the link's fragment only
    assert NotificationDelivery.objects.filter(notification__recipient=users.member, channel="email").exists()
    (msg,) = [m for m in mail.outbox if "alice@example.com" in m.to]
    code = sent_code(users.member, e)
    assert code in msg.body and f"/vote/#{code}" in msg.body
    assert f"?{code}" not in msg.body and f"/{code}" not in msg.body
    # the voter votes with it; the ballot names no credential and no voter
    receipt = do_cast_ballot(e, code, ballot(e))
    assert Credential.objects.get(evaluation=e, voter__user=users.member).used
    row = Ballot.objects.filter(receipt=receipt).values().get()
    assert set(row) == {"id", "evaluation_id", "payload", "receipt"}
    voter_side = {str(v) for r in Credential.objects.filter(evaluation=e).values() for k, v in r.items()
                  if k not in ("evaluation_id", "used") and v is not None}
    assert not voter_side & {str(v) for k, v in row.items() if k != "evaluation_id"}
    # no code in any log line
    for c in [*slips, code, sent_code(users.nobody, e)]:
        assert c not in caplog.text and normalize_code(c) not in caplog.text


def test_slips_only_by_default(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    assert len(ev.codes) == 5 and e.delivery == Delivery.SLIPS
    assert not Credential.objects.filter(evaluation=e, voter__isnull=False).exists()
    assert not Notification.objects.filter(kind=CODE_KIND).exists()
    assert my_credential(e, users.member) is None
    page = login(users.member).get(f"/ballots/{e.uuid}/vote/").content.decode()
    assert 'id="my-vote"' not in page


def test_the_open_page_sends_and_lists_who_needs_a_slip(users: Any, make_evaluation: Any,
                                                         django_capture_on_commit_callbacks: Any) -> None:
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    c = login(users.organizer)
    page = c.get(f"/ballots/{e.uuid}/").content.decode()
    assert 'name="delivery" value="send"' in page and 'name="delivery" value="slips"' in page
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/ballots/{e.uuid}/open/", {"usernames": users.nobody.username, "delivery": "send"})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    html = r.content.decode()
    assert 'id="codes-sent"' in html and 'id="slip-voters"' in html
    listed = re.search(r'<ul id="slip-voters">(.*?)</ul>', html, re.S)
    assert listed is not None
    for name in ("李博", "孙一", "周二", "吴三"):
        assert name in listed.group(1)
    assert "张爱丽" not in listed.group(1)
    assert html.count('class="ballot-slip"') == 4
    # the slips are numbered 1–4 (the sent codes have no number)
    assert re.findall(r'class="slip-serial">[^<]*?(\d+)<', html) == ["001", "002", "003", "004"]
    assert sorted(Credential.objects.filter(evaluation=e).values_list("serial", flat=True),
                  key=lambda n: n or 0) == [None, None, 1, 2, 3, 4]
    assert Notification.objects.filter(kind=CODE_KIND).count() == 2
    # the codes sent are not on the page
    for user in (users.member, users.nobody):
        assert sent_code(user, e) not in html
    page = c.get(f"/ballots/{e.uuid}/").content.decode()
    assert "2" in page and credential_counts(e)["sent"] == 2


def test_my_vote_status_and_the_todo(users: Any, make_evaluation: Any,
                                     django_capture_on_commit_callbacks: Any) -> None:
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    open_sending(ev, users, django_capture_on_commit_callbacks)
    voter = login(users.member)
    # the inbox's "open" leads to the voting page with the code in the fragment, which the browser keeps
    item = Notification.objects.get(recipient=users.member, kind=CODE_KIND)
    r = voter.post(reverse("notifications:open", args=[item.pk]))
    assert r.status_code == 302 and r["Location"] == f"/ballots/{e.uuid}/vote/#{sent_code(users.member, e)}"
    page = voter.get(f"/ballots/{e.uuid}/vote/").content.decode()
    assert 'id="my-vote-unused"' in page and 'id="my-vote-used"' not in page
    assert wb.vote_count(users.member) == 1
    (todo,) = wb.vote_items(users.member, 10)
    assert e.title in todo.title and todo.url == f"/ballots/{e.uuid}/vote/" and "#" not in todo.url
    assert any(t.ref == f"evaluation:{e.pk}:vote" for t in todos_for(users.member).items)
    # others see no status: anonymous, another account, the organizer
    assert 'id="my-vote"' not in Client().get(f"/ballots/{e.uuid}/vote/").content.decode()
    assert 'id="my-vote"' not in login(users.organizer).get(f"/ballots/{e.uuid}/vote/").content.decode()
    assert wb.vote_count(users.organizer) == 0
    # someone else casts with the voter's code: the voter sees it used, with the hint, and the to-do ends
    do_cast_ballot(e, sent_code(users.member, e), ballot(e))
    page = voter.get(f"/ballots/{e.uuid}/vote/").content.decode()
    assert 'id="my-vote-used"' in page and 'id="my-vote-unused"' not in page
    assert wb.vote_count(users.member) == 0 and wb.vote_items(users.member, 10) == []
    # the status stays after closing
    from dangjian.ballots.actions import do_close_evaluation

    do_close_evaluation(e, acting_user=users.organizer)
    assert 'id="my-vote-used"' in voter.get(f"/ballots/{e.uuid}/vote/").content.decode()


def test_sending_codes_costs_the_same_queries_for_any_roll(users: Any, root_user: Any, make_evaluation: Any,
                                                           django_capture_on_commit_callbacks: Any) -> None:
    """A county-wide evaluation sends tens of thousands of codes in the opening request: one
    ``notify_each`` for all of them, a fixed number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (2, 12):
        voters = [make_user(f"voter-{n}-{i}", None, None, acting_user=root_user) for i in range(n)]
        ev = make_evaluation(state="ready")
        with CaptureQueriesContext(connection) as queries:
            open_sending(ev, users, django_capture_on_commit_callbacks, extra=voters)
        counts.append(len(queries))
        assert Notification.objects.filter(kind=CODE_KIND, recipient__in=voters).count() == n
        bodies = set(Notification.objects.filter(kind=CODE_KIND, recipient__in=voters).values_list("body", flat=True))
        assert len(bodies) == n  # each voter their own code
    assert counts[0] == counts[1], counts


def test_the_member_home_asks_to_vote_while_the_sent_code_is_unused(
        users: Any, make_evaluation: Any, django_capture_on_commit_callbacks: Any,
        django_assert_max_num_queries: Any, rf: Any) -> None:
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    request = rf.get("/")
    request.user = users.member
    # a member without any evaluation: one query, no item
    with django_assert_max_num_queries(1):
        assert wb.home_items(request) == []
    open_sending(ev, users, django_capture_on_commit_callbacks, extra=[users.nobody])
    with django_assert_max_num_queries(1):
        (item,) = wb.home_items(request)
    assert e.title in str(item["title"]) and item["url"] == f"/ballots/{e.uuid}/vote/" and "#" not in item["url"]
    # on the member home (党员e家) itself
    page = login(users.member).get(reverse("core:member_home")).content.decode()
    assert e.title in page and f'href="/ballots/{e.uuid}/vote/"' in page
    # nothing for the organizer (no code sent to them), nor for anonymous users
    request.user = users.organizer
    assert wb.home_items(request) == []
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with django_assert_max_num_queries(0):
        assert wb.home_items(request) == []
    # once used, the item is gone; and after closing for everyone
    do_cast_ballot(e, sent_code(users.member, e), ballot(e))
    request.user = users.member
    assert wb.home_items(request) == []
    request.user = users.nobody
    assert len(wb.home_items(request)) == 1
    from dangjian.ballots.actions import do_close_evaluation

    do_close_evaluation(e, acting_user=users.organizer)
    assert wb.home_items(request) == []
