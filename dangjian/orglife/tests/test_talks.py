"""Heart-to-heart talks per pair in the branch committee, and each secretary's yearly party
lecture (DOMAIN.md §6): seats, pairs across year boundaries, the configurable pair rule."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.core.models import AuditEvent
from dangjian.orglife.actions import do_check_in_members, do_close_activity, do_start_activity
from dangjian.orglife.committee_actions import do_add_committee_seat, do_end_committee_seat
from dangjian.orglife.compliance import compliance_for
from dangjian.orglife.models import Attendee
from dangjian.orglife.tests.conftest import at, plan
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db

CLOSE = {"minutes": "谈心谈话，交流思想。", "chair": "张书记", "minute_taker": "李委员"}
TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def cm(tree: Any, users: Any, root_user: Any) -> SimpleNamespace:
    """A committee of branch_a1: alice secretary, xu and yang members (from 2025)."""
    xu = make_member(tree.branch_a1, "徐委员", acting_user=root_user)
    yang = make_member(tree.branch_a1, "杨委员", acting_user=root_user)
    sec = users.secretary
    do_add_committee_seat(tree.branch_a1, tree.alice.pk, "secretary", dt.date(2025, 1, 1), acting_user=sec)
    do_add_committee_seat(tree.branch_a1, xu.pk, "member", dt.date(2025, 1, 1), acting_user=sec)
    y = do_add_committee_seat(tree.branch_a1, yang.pk, "deputy_secretary", dt.date(2025, 1, 1), acting_user=sec)
    return SimpleNamespace(xu=xu, yang=yang, yang_seat=y)


def talk(org: Any, user: Any, members: list, starts_at: dt.datetime, *, present: list | None = None) -> Any:
    a = plan(org, user, kind="heart_talk", starts_at=starts_at, hours=1, attendee_ids=[m.pk for m in members])
    do_start_activity(a, acting_user=user)
    ids = [att.pk for att in Attendee.objects.filter(activity=a, member__in=present if present is not None else members)]
    do_check_in_members(a, ids, acting_user=user)
    return do_close_activity(a, CLOSE, acting_user=user)


def lecture(org: Any, user: Any, starts_at: dt.datetime, lecturer: Any) -> Any:
    a = plan(org, user, kind="party_lecture", starts_at=starts_at)
    do_start_activity(a, acting_user=user)
    return do_close_activity(a, {**CLOSE, "lecturer": lecturer.pk if lecturer else ""}, acting_user=user)


def _row(org: Any, year: int, today: dt.date = TODAY) -> Any:
    return next(r for r in compliance_for([org], year, today=today, talk_dates=True) if r.branch.pk == org.pk)


def _pairs(row: Any) -> dict[frozenset, dt.date | None]:
    return {frozenset((p.a.member_id, p.b.member_id)): p.done_on for p in row.talks.pairs}


def test_every_pair_of_committee_members_must_talk_once_a_year(tree: Any, users: Any, cm: Any) -> None:
    alice, xu, yang = tree.alice, cm.xu, cm.yang
    talk(tree.branch_a1, users.secretary, [alice, xu], at(2026, 3, 5))
    row = _row(tree.branch_a1, 2026)
    pairs = _pairs(row)
    assert set(pairs) == {frozenset((alice.pk, xu.pk)), frozenset((alice.pk, yang.pk)), frozenset((xu.pk, yang.pk))}
    assert pairs[frozenset((alice.pk, xu.pk))] == dt.date(2026, 3, 5)
    assert (row.talks.required, row.talks.done) == (3, 1)
    assert not row.talks_behind  # 2026 has not ended: the missing pairs can still talk
    # the dashboard asks for counts only: the same pairs, without the days
    quick = compliance_for([tree.branch_a1], 2026, today=TODAY)[0]
    assert (quick.talks.required, quick.talks.done) == (3, 1)
    assert [p.done_on for p in quick.talks.pairs] == [None, None, None]


def test_talk_pairs_follow_the_year_in_shanghai_time(tree: Any, users: Any, cm: Any) -> None:
    alice, xu, yang = tree.alice, cm.xu, cm.yang
    talk(tree.branch_a1, users.secretary, [alice, xu], at(2025, 12, 31, 23, 0))  # 2025 (UTC 15:00)
    talk(tree.branch_a1, users.secretary, [xu, yang], at(2026, 1, 1, 0, 30))     # 2026 (UTC: still 2025)
    p25, p26 = _pairs(_row(tree.branch_a1, 2025)), _pairs(_row(tree.branch_a1, 2026))
    assert p25[frozenset((alice.pk, xu.pk))] == dt.date(2025, 12, 31) and p25[frozenset((xu.pk, yang.pk))] is None
    assert p26[frozenset((alice.pk, xu.pk))] is None and p26[frozenset((xu.pk, yang.pk))] == dt.date(2026, 1, 1)
    row25 = _row(tree.branch_a1, 2025)
    assert row25.talks_behind and [(p.a.name, p.b.name) for p in row25.talks.missing] == [
        ("张爱丽", "杨委员"), ("徐委员", "杨委员")]


def test_only_members_present_at_a_closed_talk_complete_a_pair(tree: Any, users: Any, cm: Any) -> None:
    alice, xu, yang = tree.alice, cm.xu, cm.yang
    talk(tree.branch_a1, users.secretary, [alice, yang], at(2026, 4, 1), present=[alice])   # yang absent
    open_talk = plan(tree.branch_a1, users.secretary, kind="heart_talk", starts_at=at(2026, 4, 2),
                     attendee_ids=[alice.pk, xu.pk])                                          # never held
    talk(tree.branch_a2, users.admin, [tree.carol], at(2026, 4, 3))  # other branch
    assert open_talk.status == "planned"
    assert _row(tree.branch_a1, 2026).talks.done == 0
    # a group talk of three present members completes all three pairs
    talk(tree.branch_a1, users.secretary, [alice, xu, yang], at(2026, 5, 1))
    assert _row(tree.branch_a1, 2026).talks.done == 3


def test_pairs_need_seats_that_overlap(tree: Any, users: Any, root_user: Any, cm: Any) -> None:
    zhou = make_member(tree.branch_a1, "周新委员", acting_user=root_user)
    do_end_committee_seat(cm.yang_seat, dt.date(2026, 3, 31), acting_user=users.secretary)
    do_add_committee_seat(tree.branch_a1, zhou.pk, "member", dt.date(2026, 6, 1), acting_user=users.secretary)
    pairs = _pairs(_row(tree.branch_a1, 2026))
    assert frozenset((cm.yang.pk, zhou.pk)) not in pairs        # never on the committee together
    assert frozenset((tree.alice.pk, zhou.pk)) in pairs and frozenset((tree.alice.pk, cm.yang.pk)) in pairs
    assert frozenset((tree.alice.pk, zhou.pk)) not in _pairs(_row(tree.branch_a1, 2025))  # zhou joined in 2026
    assert len(pairs) == 5


def test_secretary_with_each_member_is_configurable(settings: Any, tree: Any, users: Any, cm: Any) -> None:
    settings.ORGLIFE = {"HEART_TALK_PAIRS": ["committee", "secretary_members"]}
    pairs = _pairs(_row(tree.branch_a1, 2026))
    assert frozenset((tree.alice.pk, tree.bob.pk)) in pairs     # bob is not on the committee
    assert frozenset((cm.xu.pk, tree.bob.pk)) not in pairs
    assert len(pairs) == 4
    settings.ORGLIFE = {"HEART_TALK_PAIRS": ["secretary_members"]}
    assert set(_pairs(_row(tree.branch_a1, 2026))) == {
        frozenset((tree.alice.pk, m.pk)) for m in (tree.bob, cm.xu, cm.yang)}
    settings.ORGLIFE = {"HEART_TALK_PAIRS": ["everyone"]}
    with pytest.raises(ValueError, match="HEART_TALK_PAIRS"):
        _row(tree.branch_a1, 2026)


def test_no_committee_recorded_means_no_pairs(tree: Any) -> None:
    row = _row(tree.branch_a2, 2026)
    assert not row.talks.applies and row.talks.required == 0 and row.secretary_lectures == []


def test_each_secretary_gives_a_party_lecture_a_year(tree: Any, users: Any, cm: Any) -> None:
    lecture(tree.branch_a1, users.secretary, at(2026, 1, 1, 0, 30), tree.alice)   # 2026 in Shanghai
    row26, row25 = _row(tree.branch_a1, 2026), _row(tree.branch_a1, 2025)
    assert [(s.secretary.name, s.lectures, s.done) for s in row26.secretary_lectures] == [("张爱丽", 1, True)]
    assert [(s.secretary.name, s.lectures, s.done) for s in row25.secretary_lectures] == [("张爱丽", 0, False)]
    assert row25.lectures_behind and not row26.lectures_behind
    # a lecture given by someone else does not count for the secretary
    lecture(tree.branch_a1, users.secretary, at(2025, 6, 1), cm.xu)
    assert _row(tree.branch_a1, 2025).secretary_lectures[0].lectures == 0


def test_a_secretary_replaced_during_the_year_owes_a_lecture_too(tree: Any, users: Any, cm: Any) -> None:
    first = tree.alice.orglife_committee_seats.get()
    do_end_committee_seat(first, dt.date(2026, 6, 30), acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:  # xu already sits as a member from 2025
        do_add_committee_seat(tree.branch_a1, cm.xu.pk, "secretary", dt.date(2026, 7, 1), acting_user=users.secretary)
    assert "member" in exc.value.message_dict
    xu_seat = cm.xu.orglife_committee_seats.get()
    do_end_committee_seat(xu_seat, dt.date(2026, 6, 30), acting_user=users.secretary)
    do_add_committee_seat(tree.branch_a1, cm.xu.pk, "secretary", dt.date(2026, 7, 1), acting_user=users.secretary)
    lecture(tree.branch_a1, users.secretary, at(2026, 9, 1), cm.xu)
    got = {s.secretary.name: s.lectures for s in _row(tree.branch_a1, 2026).secretary_lectures}
    assert got == {"张爱丽": 0, "徐委员": 1}


def test_closing_a_lecture_requires_the_lecturer(tree: Any, users: Any, root_user: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, kind="party_lecture", starts_at=at(2026, 3, 1))
    do_start_activity(a, acting_user=users.secretary)
    with pytest.raises(ValidationError) as exc:
        do_close_activity(a, CLOSE, acting_user=users.secretary)
    assert "lecturer" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # a member of another branch
        do_close_activity(a, {**CLOSE, "lecturer": tree.dave.pk}, acting_user=users.secretary)
    assert "lecturer" in exc.value.message_dict
    a.refresh_from_db()
    assert a.status == "in_progress"
    do_close_activity(a, {**CLOSE, "lecturer": tree.alice.pk}, acting_user=users.secretary)
    a.refresh_from_db()
    assert a.lecturer_id == tree.alice.pk
    # other kinds need no lecturer
    b = plan(tree.branch_a1, users.secretary, kind="theme_day", starts_at=at(2026, 3, 2))
    do_start_activity(b, acting_user=users.secretary)
    assert do_close_activity(b, CLOSE, acting_user=users.secretary).lecturer_id is None


def test_seat_rules(tree: Any, users: Any, root_user: Any, cm: Any) -> None:
    sec = users.secretary
    with pytest.raises(ValidationError) as exc:  # one secretary at a time
        do_add_committee_seat(tree.branch_a1, tree.bob.pk, "secretary", dt.date(2026, 1, 1), acting_user=sec)
    assert "post" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # a member of another branch
        do_add_committee_seat(tree.branch_a1, tree.carol.pk, "member", dt.date(2026, 1, 1), acting_user=sec)
    assert "member" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        do_add_committee_seat(tree.branch_a1, tree.bob.pk, "chair", None, acting_user=sec)
    assert {"post", "start_date"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError):
        do_end_committee_seat(cm.yang_seat, dt.date(2024, 1, 1), acting_user=sec)
    with pytest.raises(PermissionDenied):  # out of the secretary's scope
        do_add_committee_seat(tree.branch_a2, tree.carol.pk, "member", dt.date(2026, 1, 1), acting_user=sec)
    with pytest.raises(PermissionDenied):
        do_add_committee_seat(tree.branch_a1, tree.bob.pk, "member", dt.date(2026, 1, 1), acting_user=users.member)
    seat = do_add_committee_seat(tree.branch_a1, tree.bob.pk, "member", dt.date(2026, 1, 1), acting_user=sec)
    do_end_committee_seat(seat, dt.date(2026, 2, 1), acting_user=sec)
    with pytest.raises(ValidationError):  # already ended
        do_end_committee_seat(seat, dt.date(2026, 3, 1), acting_user=sec)
    assert AuditEvent.objects.filter(action="orglife.committee_seat_added").count() == 4
    assert AuditEvent.objects.filter(action="orglife.committee_seat_ended").count() == 1


def test_talk_and_lecture_checks_cost_a_bounded_number_of_queries(
        tree: Any, users: Any, root_user: Any, cm: Any, settings: Any, django_assert_max_num_queries: Any) -> None:
    from dangjian.orglife.compliance import branches_under

    settings.ORGLIFE = {"HEART_TALK_PAIRS": ["committee", "secretary_members"]}
    for org in (tree.branch_a2, tree.branch_b1):
        m = make_member(org, "书记" + org.name[:2], acting_user=root_user)
        do_add_committee_seat(org, m.pk, "secretary", dt.date(2026, 1, 1), acting_user=users.admin)
    talk(tree.branch_a1, users.secretary, [tree.alice, cm.xu], at(2026, 3, 5))
    branches = list(branches_under(tree.county))
    with django_assert_max_num_queries(8):  # the dashboard: no talk dates
        compliance_for(branches, 2026, today=TODAY)
    with django_assert_max_num_queries(9):  # with the days the pairs talked (API, committee page)
        rows = compliance_for(branches, 2026, today=TODAY, talk_dates=True)
    assert sum(r.talks.required for r in rows) == 4 + 1 + 1  # a1: 3 committee pairs + alice-bob; a2, b1: secretary-member
    assert sum(len(r.secretary_lectures) for r in rows) == 3


def test_api_compliance_shows_talk_pairs_and_secretary_lectures(client: Any, tree: Any, users: Any, cm: Any) -> None:
    from dangjian.orglife.tests.test_api import _bearer

    talk(tree.branch_a1, users.secretary, [tree.alice, cm.xu], at(2026, 3, 5))
    lecture(tree.branch_a1, users.secretary, at(2026, 4, 1), tree.alice)
    headers = _bearer(client, users.organizer)
    body = client.get(f"/api/v1/orglife/compliance?org={tree.town_a.pk}&year=2026", headers=headers).json()
    a1 = next(b for b in body["branches"] if b["organization"]["id"] == tree.branch_a1.pk)
    assert (a1["heart_talks"]["required"], a1["heart_talks"]["done"]) == (3, 1)
    done = [p for p in a1["heart_talks"]["pairs"] if p["done_on"]]
    assert done == [{"members": [{"member": tree.alice.pk, "name": "张爱丽"}, {"member": cm.xu.pk, "name": "徐委员"}],
                     "done_on": "2026-03-05"}]
    assert a1["secretary_lectures"] == [{"secretary": {"member": tree.alice.pk, "name": "张爱丽"}, "lectures": 1,
                                         "required": 1, "done": True}]
    a2 = next(b for b in body["branches"] if b["organization"]["id"] == tree.branch_a2.pk)
    assert a2["heart_talks"] == {"required": 0, "done": 0, "pairs": []} and a2["secretary_lectures"] == []
    body25 = client.get(f"/api/v1/orglife/compliance?org={tree.branch_a1.pk}&year=2025", headers=headers).json()
    assert body25["branches"][0]["heart_talks"]["done"] == 0
    assert body25["branches"][0]["secretary_lectures"][0]["done"] is False


def test_committee_page_and_compliance_columns(client: Any, tree: Any, users: Any, cm: Any,
                                               django_assert_max_num_queries: Any) -> None:
    from django.urls import reverse

    from dangjian.testing.fixtures import PASSWORD

    talk(tree.branch_a1, users.secretary, [tree.alice, cm.xu], at(2026, 3, 5))
    assert client.login(username=users.secretary.username, password=PASSWORD)
    url = f"{reverse('orglife:committee')}?org={tree.branch_a1.pk}&year=2026"
    client.get(url)  # the menu's badge counts (cached 30 s per user) are the shell's, not this page's
    with django_assert_max_num_queries(20):
        page = client.get(url).content.decode()
    assert "张爱丽 ↔ 徐委员" in page and "2026-03-05" in page and 'id="seat-form"' in page
    # add a seat through the page, then end it
    response = client.post(url, {"member": tree.bob.pk, "post": "member", "start_date": "2026-06-01"})
    assert response.status_code == 302
    seat = tree.bob.orglife_committee_seats.get()
    response = client.post(reverse("orglife:end_seat", args=[seat.pk]) + f"?org={tree.branch_a1.pk}",
                           {"end_date": "2026-10-31"})
    seat.refresh_from_db()
    assert response.status_code == 302 and seat.end_date == dt.date(2026, 10, 31)
    # a second secretary is refused on the form, with the rule named
    page = client.post(url, {"member": tree.bob.pk, "post": "secretary", "start_date": "2026-11-01"}).content.decode()
    assert "已有书记" in page or "already has a secretary" in page
    # the compliance page shows the pairs and the secretary's lecture per branch
    comp = client.get(f"{reverse('orglife:compliance')}?org={tree.branch_a1.pk}&year=2026").content.decode()
    assert "1 / 6" in comp and "✗ 张爱丽" in comp  # bob sat June–October: three more pairs
    # another branch's committee is out of scope (404), and a member cannot add seats
    assert client.get(f"{reverse('orglife:committee')}?org={tree.branch_a2.pk}").status_code == 404
    client.logout()
    assert client.login(username=users.member.username, password=PASSWORD)
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, {"member": tree.bob.pk, "post": "member", "start_date": "2026-06-01"}).status_code in (
        403, 404)


def test_lecture_closed_on_the_page_records_the_lecturer(client: Any, tree: Any, users: Any) -> None:
    from django.urls import reverse

    from dangjian.testing.fixtures import PASSWORD

    a = plan(tree.branch_a1, users.secretary, kind="party_lecture", starts_at=at(2026, 3, 1))
    do_start_activity(a, acting_user=users.secretary)
    assert client.login(username=users.secretary.username, password=PASSWORD)
    page = client.get(reverse("orglife:detail", args=[a.pk])).content.decode()
    assert 'name="lecturer"' in page and f'<option value="{tree.alice.pk}">张爱丽</option>' in page
    ids = {att.member_id: att.pk for att in Attendee.objects.filter(activity=a)}
    client.post(reverse("orglife:close", args=[a.pk]), {
        **CLOSE, "lecturer": tree.alice.pk, **{f"absence_{pk}": "事假" for pk in ids.values()}})
    a.refresh_from_db()
    assert a.status == "closed" and a.lecturer_id == tree.alice.pk
    assert "主讲人：张爱丽" in client.get(reverse("orglife:detail", args=[a.pk])).content.decode()
    # the record fills the ledger: the page and the Excel export name the lecturer
    ledger = client.get(reverse("orglife:ledger") + f"?org={tree.branch_a1.pk}&year=2026").content.decode()
    assert "主讲人：张爱丽" in ledger
    import io

    from openpyxl import load_workbook

    xlsx = client.get(reverse("orglife:ledger_export") + f"?org={tree.branch_a1.pk}&year=2026")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1][13] == "主讲人" and rows[2][13] == "张爱丽"
