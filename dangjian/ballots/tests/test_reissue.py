"""Reissuing a lost code while the evaluation is open (the old one stops working, a used one is
never replaced), and the code messages taken back when the evaluation closes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dangjian.ballots.actions import (
    CODE_KIND,
    CastRefused,
    code_hash,
    do_cast_ballot,
    do_close_evaluation,
    do_open_evaluation,
    do_reissue_credential,
    normalize_code,
)
from dangjian.ballots.choices import State
from dangjian.ballots.models import Credential, RollEntry
from dangjian.ballots.selectors import credential_counts
from dangjian.ballots.tests.conftest import ballot
from dangjian.core.models import AuditEvent, Notification
from dangjian.core.roles import Role
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.django_db
CODE = re.compile(r"[2-9A-HJ-NP-Z]{4}(?:-[2-9A-HJ-NP-Z]{4}){5}")


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def code_in_inbox(user: Any) -> str:
    (item,) = Notification.objects.filter(recipient=user, kind=CODE_KIND, url__contains="#")
    match = CODE.search(item.body)
    assert match is not None and item.url.endswith(f"#{match.group(0)}")
    return match.group(0)


def open_sending(ev: Any, users: Any, capture: Any) -> list[str]:
    with capture(execute=True):
        slips = do_open_evaluation(ev.evaluation, extra_users=[users.nobody], acting_user=users.organizer, send=True)
    ev.evaluation.refresh_from_db()
    return slips


def test_a_lost_slip_is_replaced_the_old_code_refused_the_new_one_votes(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    before = credential_counts(e)
    c = login(users.organizer)
    page = c.get(f"/ballots/{e.uuid}/").content.decode()
    assert 'id="reissue-slip-form"' in page and 'id="reissue-voter-form"' not in page  # no code was sent
    lost = ev.codes[0].lower().replace("-", " ")  # as typed: case, spaces and dashes do not matter
    r = c.post(f"/ballots/{e.uuid}/reissue/", {"code": lost})
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    html = r.content.decode()
    assert 'id="slip-reissued"' in html and html.count('class="ballot-slip"') == 1
    (new,) = set(CODE.findall(html))
    assert normalize_code(new) not in {normalize_code(x) for x in ev.codes}
    # the roll and the credentials still match one to one; nothing was used
    assert credential_counts(e) == before and before["issued"] == RollEntry.objects.filter(evaluation=e).count()
    # the revoked code can never cast, the new one casts once
    with pytest.raises(CastRefused) as refused:
        do_cast_ballot(e, ev.codes[0], ballot(e))
    assert refused.value.reason == "credential"
    assert do_cast_ballot(e, new, ballot(e))
    with pytest.raises(CastRefused):
        do_cast_ballot(e, new, ballot(e, 1))
    assert credential_counts(e)["used"] == 1
    event = AuditEvent.objects.get(action="evaluation.credential_reissued")
    assert event.actor == users.organizer and new not in str(event.after) and ev.codes[0] not in str(event.after)
    # the old code again: unknown now
    r = c.post(f"/ballots/{e.uuid}/reissue/", {"code": ev.codes[0]}, follow=True)
    assert "本次测评没有与之相符的投票码" in r.content.decode()  # in the default language


def test_a_used_code_is_never_replaced(users: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    do_cast_ballot(e, ev.codes[1], ballot(e))
    used = Credential.objects.get(evaluation=e, used=True)
    with pytest.raises(ValidationError) as refused:
        do_reissue_credential(e, code=ev.codes[1], acting_user=users.organizer)
    assert "code" in refused.value.message_dict
    used.refresh_from_db()
    assert used.used and Credential.objects.filter(evaluation=e).count() == 5
    r = login(users.organizer).post(f"/ballots/{e.uuid}/reissue/", {"code": ev.codes[1]}, follow=True)
    assert r.redirect_chain and 'class="ballot-slip"' not in r.content.decode()
    assert not AuditEvent.objects.filter(action="evaluation.credential_reissued").exists()
    for bad in ("", "not a code", "2222-2222-2222-2222-2222-2222"):
        with pytest.raises(ValidationError) as refused:
            do_reissue_credential(e, code=bad, acting_user=users.organizer)
        assert "code" in refused.value.message_dict


def test_who_may_reissue_and_when(users: Any, root_user: Any, tree: Any, make_evaluation: Any) -> None:
    ev = make_evaluation()
    e = ev.evaluation
    elsewhere = make_user("organizer-b", Role.ORGANIZER, tree.town_b, acting_user=root_user)
    for outsider in (users.discipline, elsewhere, users.member):
        with pytest.raises(PermissionDenied):
            do_reissue_credential(e, code=ev.codes[0], acting_user=outsider)
    assert login(users.discipline).post(f"/ballots/{e.uuid}/reissue/", {"code": ev.codes[0]}).status_code == 403
    assert login(elsewhere).post(f"/ballots/{e.uuid}/reissue/", {"code": ev.codes[0]}).status_code == 404
    assert Client().post(f"/ballots/{e.uuid}/reissue/", {"code": ev.codes[0]}).status_code == 302  # to sign in
    assert login(users.organizer).get(f"/ballots/{e.uuid}/reissue/").status_code == 405
    assert not AuditEvent.objects.filter(action="evaluation.credential_reissued").exists()
    # the secretary of the branch may (ballots.manage over it)
    assert do_reissue_credential(e, code=ev.codes[0], acting_user=users.secretary)
    # not before opening, not after closing
    draft = make_evaluation(state="ready").evaluation
    with pytest.raises(ValidationError) as refused:
        do_reissue_credential(draft, code=ev.codes[1], acting_user=users.organizer)
    assert "state" in refused.value.message_dict
    do_close_evaluation(e, acting_user=users.organizer)
    with pytest.raises(ValidationError) as refused:
        do_reissue_credential(e, code=ev.codes[1], acting_user=users.organizer)
    assert "state" in refused.value.message_dict
    assert 'id="reissue' not in login(users.organizer).get(f"/ballots/{e.uuid}/").content.decode()


def test_a_lost_sent_code_is_sent_again_and_the_old_message_redacted(
        users: Any, make_evaluation: Any, django_capture_on_commit_callbacks: Any) -> None:
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    slips = open_sending(ev, users, django_capture_on_commit_callbacks)
    old = code_in_inbox(users.member)
    before = credential_counts(e)
    c = login(users.organizer)
    page = c.get(f"/ballots/{e.uuid}/").content.decode()
    assert 'id="reissue-voter-form"' in page and 'id="reissue-slip-form"' in page  # sent codes and slips
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/ballots/{e.uuid}/reissue/", {"voter": "张爱丽"}, follow=True)
    html = r.content.decode()
    new = code_in_inbox(users.member)
    assert new != old and new not in html and old not in html  # the organizer never sees a sent code
    # the message with the old code no longer shows it; the new one names the same voter's credential
    assert not Notification.objects.filter(recipient=users.member, body__contains=old).exists()
    assert not Notification.objects.filter(recipient=users.member, url__contains=old).exists()
    assert Notification.objects.filter(recipient=users.member, kind=CODE_KIND).count() == 2
    assert credential_counts(e) == before
    with pytest.raises(CastRefused):
        do_cast_ballot(e, old, ballot(e))
    do_cast_ballot(e, new, ballot(e))
    assert Credential.objects.get(evaluation=e, voter__user=users.member).used
    # now used: refused; by user name, the same voter
    with pytest.raises(ValidationError) as refused:
        do_reissue_credential(e, voter=RollEntry.objects.get(evaluation=e, user=users.member),
                              acting_user=users.organizer)
    assert "voter" in refused.value.message_dict
    r = c.post(f"/ballots/{e.uuid}/reissue/", {"voter": users.member.username}, follow=True)
    assert Notification.objects.filter(recipient=users.member, kind=CODE_KIND).count() == 2
    # a voter who got a slip is reissued by the slip's code; a sent code is not reissued by its code
    slip_voter = RollEntry.objects.get(evaluation=e, name="李博")
    with pytest.raises(ValidationError) as refused:
        do_reissue_credential(e, voter=slip_voter, acting_user=users.organizer)
    assert "voter" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        do_reissue_credential(e, code=code_in_inbox(users.nobody), acting_user=users.organizer)
    assert "code" in refused.value.message_dict
    assert do_reissue_credential(e, code=slips[0], acting_user=users.organizer)
    # a voter whose account was switched off meanwhile: the new code could not reach them
    users.nobody.is_active = False
    users.nobody.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        do_reissue_credential(e, voter=RollEntry.objects.get(evaluation=e, user=users.nobody),
                              acting_user=users.organizer)
    assert "voter" in refused.value.message_dict
    for unknown in ("nobody-here", ""):
        r = c.post(f"/ballots/{e.uuid}/reissue/", {"voter": unknown}, follow=True)
        assert r.status_code == 200 and r.redirect_chain
    assert credential_counts(e) == {**before, "used": 1}


def test_closing_takes_the_codes_out_of_every_message(
        users: Any, make_evaluation: Any, django_capture_on_commit_callbacks: Any) -> None:
    ev = make_evaluation(state="ready")
    e = ev.evaluation
    other = make_evaluation(state="ready")
    open_sending(ev, users, django_capture_on_commit_callbacks)

    def codes_in_messages() -> set[str]:
        return {normalize_code(m) for n in Notification.objects.filter(kind=CODE_KIND)
                for m in CODE.findall(f"{n.title} {n.body} {n.url} {n.sms_params}")}

    codes = codes_in_messages()
    with django_capture_on_commit_callbacks(execute=True):
        do_reissue_credential(e, voter=RollEntry.objects.get(evaluation=e, user=users.nobody),
                              acting_user=users.organizer)
    codes |= codes_in_messages()
    assert len(codes) == 3  # alice's, and the old and the new one of the account named on the roll
    do_cast_ballot(e, code_in_inbox(users.member), ballot(e))
    # another evaluation's messages are left alone while it is open
    open_sending(other, users, django_capture_on_commit_callbacks)
    do_close_evaluation(e, acting_user=users.organizer)
    assert e.state == State.TALLIED  # one ballot, below the group minimum: final at once
    mine = Notification.objects.filter(kind=CODE_KIND, url__startswith=f"/ballots/{e.uuid}/")
    assert mine.count() == 3
    for n in mine:
        text = f"{n.title} {n.body} {n.url} {n.sms_params}"
        assert not CODE.search(text) and not any(code in text.replace("-", "") for code in codes)
        assert n.url == f"/ballots/{e.uuid}/vote/"
    assert Notification.objects.filter(kind=CODE_KIND, url__startswith=f"/ballots/{other.evaluation.uuid}/vote/#"
                                       ).count() == 2
    # the voting page still tells the voter their code was used
    assert 'id="my-vote-used"' in login(users.member).get(f"/ballots/{e.uuid}/vote/").content.decode()


def test_reissue_through_the_api(users: Any, make_evaluation: Any) -> None:
    """POST …/reissue: organizer only; a lost slip's new code in the answer; 4xx with the reason."""
    ev = make_evaluation()
    e = ev.evaluation
    url = f"/api/v1/ballots/evaluations/{e.uuid}/reissue"
    org = login(users.organizer)
    r = org.post(url, {"code": ev.codes[0]}, content_type="application/json")
    assert r.status_code == 200 and r.json()["sent_to"] is None
    new = r.json()["code"]
    assert CODE.fullmatch(new) and normalize_code(new) not in {normalize_code(x) for x in ev.codes}
    with pytest.raises(CastRefused):
        do_cast_ballot(e, ev.codes[0], ballot(e))  # the lost code stopped working
    assert do_cast_ballot(e, new, ballot(e))
    # a used code, an unknown name, both fields or neither: 400 naming the field; nothing reissued
    r = org.post(url, {"code": new}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "code" and r.json()["message"]
    r = org.post(url, {"voter": "没有这个人"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "voter" and "没有这个人" in r.json()["message"]
    for body in ({}, {"voter": "x", "code": ev.codes[1]}):
        assert org.post(url, body, content_type="application/json").status_code == 400
    assert AuditEvent.objects.filter(action="evaluation.credential_reissued").count() == 1
    # nobody but the evaluation's managers; and only while voting is open
    assert login(users.nobody).post(url, {"code": ev.codes[1]}, content_type="application/json").status_code in (403, 404)
    do_close_evaluation(e, acting_user=users.organizer)
    r = org.post(url, {"code": ev.codes[1]}, content_type="application/json")
    assert r.status_code == 409


def test_slips_are_numbered_and_a_lost_slip_is_revoked_by_its_number(users: Any, make_evaluation: Any) -> None:
    """Left for later 2: a slip whose code nobody can read is revoked by the number printed on it;
    the new slip keeps the number. The number is the credential's, never the ballot's."""
    ev = make_evaluation()
    e = ev.evaluation
    # the n-th code returned (printed) is slip No. n
    serials = {c.code_hash: c.serial for c in Credential.objects.filter(evaluation=e)}
    assert [serials[code_hash(e, normalize_code(c))] for c in ev.codes] == list(range(1, len(ev.codes) + 1))
    before = credential_counts(e)
    c = login(users.organizer)
    r = c.post(f"/ballots/{e.uuid}/reissue/", {"code": "No. 3"})  # slip No. 3 is lost, its code unreadable
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]
    html = r.content.decode()
    assert html.count('class="ballot-slip"') == 1 and "003" in html  # the new slip shows the same number
    (new,) = set(CODE.findall(html))
    assert serials_after(e)[code_hash(e, normalize_code(new))] == 3 and credential_counts(e) == before
    with pytest.raises(CastRefused):
        do_cast_ballot(e, ev.codes[2], ballot(e))  # the lost slip's code stopped working
    receipt = do_cast_ballot(e, new, ballot(e))
    assert receipt
    # nothing stored with the ballot names the slip or its number
    from dangjian.ballots.models import Ballot

    stored = Ballot.objects.get(evaluation=e)
    assert set(vars(stored)) - {"_state"} == {"id", "evaluation_id", "payload", "receipt"}
    # a used slip's number is refused, an unknown number named, through the page and the API
    with pytest.raises(ValidationError) as refused:
        do_reissue_credential(e, serial=3, acting_user=users.organizer)
    assert "serial" in refused.value.message_dict
    url = f"/api/v1/ballots/evaluations/{e.uuid}/reissue"
    r = c.post(url, {"serial": 99}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "serial" and "99" in r.json()["message"]
    r = c.post(url, {"serial": 1}, content_type="application/json")
    assert r.status_code == 200 and CODE.fullmatch(r.json()["code"])
    assert c.post(url, {"serial": 2, "code": ev.codes[1]}, content_type="application/json").status_code == 400


def serials_after(e: Any) -> dict[str, int | None]:
    return {c.code_hash: c.serial for c in Credential.objects.filter(evaluation=e)}
