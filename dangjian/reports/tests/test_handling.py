"""Staff: keys, reading, the custodian, exclusion, key lifecycle, triage and disposal on working-day
deadlines, the list (bounded queries, envelope only), to-dos and figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.core.stats import breakdown, figure_value, get_figure
from dangjian.core.todos import todos_for
from dangjian.reports import actions as act
from dangjian.reports import crypto
from dangjian.reports.models import Exclusion, Report, ReportAccess
from dangjian.reports.tests.conftest import PASSPHRASE, keyed, submit
from dangjian.reports.workbench import feedback_count, triage_count

pytestmark = pytest.mark.django_db


def unlock(client: Any, user: Any, passphrase: str = PASSPHRASE) -> Any:
    client.force_login(user)
    return client.post("/reports/key/", {"op": "unlock", "passphrase": passphrase})


def test_a_handler_without_the_key_cannot_read(client: Any, staff: Any) -> None:
    done = submit()
    # li-jc (county discipline) had no key when the report came: no wrapped key for them
    assert not ReportAccess.objects.filter(report=done.report, user=staff.county2).exists()
    li_private = keyed(staff.county2)
    with pytest.raises(act.NoKey):
        act.read_report(done.report, staff.county2, li_private)
    # their own private key does not open another handler's wrapped key either
    other = ReportAccess.objects.get(report=done.report, user=staff.county1)
    with pytest.raises(crypto.WrongKey):
        crypto.unwrap_key(bytes(other.wrapped_key), li_private)
    unlock(client, staff.county2)
    page = client.get(f"/reports/{done.report.uuid}/")
    assert page.status_code == 200 and b'id="no-key"' in page.content
    assert "收受好处费".encode() not in page.content


def test_unlocking_keeps_the_key_in_two_halves_and_shows_the_report(client: Any, staff: Any) -> None:
    done = submit()
    client.force_login(staff.county1)
    assert b'id="unlock-link"' in client.get(f"/reports/{done.report.uuid}/").content
    bad = client.post("/reports/key/", {"op": "unlock", "passphrase": "wrong passphrase!"})
    assert "passphrase" in bad.context["form"].errors
    evil = client.post("/reports/key/?next=https://evil.example/", {"op": "unlock", "passphrase": PASSPHRASE})
    assert evil.status_code == 302 and evil["Location"] == "/reports/"
    r = client.post(f"/reports/key/?next=/reports/{done.report.uuid}/", {"op": "unlock", "passphrase": PASSPHRASE})
    assert r["Location"] == f"/reports/{done.report.uuid}/"
    assert r.status_code == 302 and r.cookies["dj_reports_unlock"]["httponly"]
    assert r.cookies["dj_reports_unlock"]["samesite"] == "Strict"
    page = client.get(f"/reports/{done.report.uuid}/")
    assert "收受好处费".encode() in page.content
    # the session alone (the cookie lost) opens nothing
    client.cookies.pop("dj_reports_unlock")
    assert "收受好处费".encode() not in client.get(f"/reports/{done.report.uuid}/").content


def test_a_lost_passphrase_makes_a_new_key_that_reads_nothing_until_shared(client: Any, staff: Any) -> None:
    done = submit()
    client.force_login(staff.county1)
    r = client.post("/reports/key/", {"op": "replace", "passphrase": "a brand new passphrase"})
    assert r.status_code == 302
    assert not ReportAccess.objects.filter(user=staff.county1).exists()
    assert AuditEvent.objects.filter(action="report_key.created", after__replaced=True).exists()
    new_private = crypto.unlock_private(act.staff_key_record(staff.county1.report_key.__class__.objects.get(
        user=staff.county1)), "a brand new passphrase")
    with pytest.raises(act.NoKey):
        act.read_report(done.report, staff.county1, new_private)
    act.do_share_keys(staff.county1, acting_user=staff.custodian, staff_private=staff.keys["custodian"])
    assert act.read_report(done.report, staff.county1, new_private)["accused"] == "某局长"


def test_staff_added_and_removed(client: Any, staff: Any, root_user: Any) -> None:
    done = submit()
    li_private = keyed(staff.county2)  # joins after the report came
    n = act.do_share_keys(staff.county2, acting_user=staff.county1, staff_private=staff.keys["county1"])
    assert n == 1
    assert act.read_report(done.report, staff.county2, li_private)["content"].startswith("某局长")
    assert AuditEvent.objects.filter(action="report_keys.shared").exists()
    # departs: the supervisor revokes every key
    assert act.do_revoke_keys(staff.county2, acting_user=staff.county1) == 1
    with pytest.raises(act.NoKey):
        act.read_report(done.report, staff.county2, li_private)
    # the town officer may not take the county's reports: sharing gives them nothing
    assert act.do_share_keys(staff.town, acting_user=staff.county1, staff_private=staff.keys["county1"]) == 0


def test_custodian_flow(client: Any, staff: Any) -> None:
    done = submit(real_name="钱举报", phone="13912345678")
    with pytest.raises(act.NoKey):  # the handler holds the report key, not the identity key
        act.read_identity(done.report, staff.county1, staff.keys["county1"])
    with pytest.raises(ValidationError):
        act.do_request_identity(done.report, " ", acting_user=staff.county1)
    req = act.do_request_identity(done.report, "需要核实举报人身份以便当面约谈", acting_user=staff.county1)
    with pytest.raises(PermissionDenied):  # a handler is no custodian
        act.do_decide_identity(req, True, acting_user=staff.county2, staff_private=staff.keys["county1"])
    unlock(client, staff.custodian)
    assert b"zhao-bg" not in client.get("/reports/custodian/").content  # lists requests by others
    r = client.post("/reports/custodian/", {"request": req.pk, "grant": "1"})
    assert r.status_code == 302
    assert act.read_identity(done.report, staff.county1, staff.keys["county1"]) == {"name": "钱举报",
                                                                                  "phone": "13912345678"}
    opened = AuditEvent.objects.get(action="report.identity_opened")
    assert opened.reason == "需要核实举报人身份以便当面约谈"
    # the supervisors see it
    client.force_login(staff.county2)
    log = client.get("/reports/identity-requests/")
    assert log.status_code == 200 and "需要核实举报人身份以便当面约谈".encode() in log.content
    # an anonymous report has no identity to ask for
    with pytest.raises(ValidationError):
        act.do_request_identity(submit().report, "reason", acting_user=staff.county1)


def test_a_handler_named_in_the_report_is_excluded(client: Any, staff: Any) -> None:
    done = submit(accused="县纪委王纪检和某局长")
    assert Exclusion.objects.filter(report=done.report, user=staff.county1).exists()
    assert not ReportAccess.objects.filter(report=done.report, user=staff.county1).exists()
    client.force_login(staff.county1)
    assert client.get(f"/reports/{done.report.uuid}/").status_code == 404
    assert done.report.number.encode() not in client.get("/reports/").content
    with pytest.raises(PermissionDenied):
        act.do_accept_report(done.report, acting_user=staff.county1)
    # excluded by hand at triage: the custodian (also a county handler) marks li-jc
    act.do_exclude_staff(done.report, staff.county2, acting_user=staff.custodian)
    client.force_login(staff.county2)
    assert client.get(f"/reports/{done.report.uuid}/").status_code == 404


def _nth_workday(start: dt.date, n: int) -> dt.date:
    day = start
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day


def _on(monkeypatch: Any, day: dt.date) -> None:
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_forwarding_and_feedback_deadlines_count_working_days_across_holidays(staff: Any, monkeypatch: Any,
                                                                             tree: Any) -> None:
    _on(monkeypatch, dt.date(2026, 9, 30))  # the eve of the National Day holiday
    done = submit(real_name="钱举报", phone="13912345678")
    report = done.report
    assert report.forward_due == _nth_workday(dt.date(2026, 9, 30), 5) > dt.date(2026, 10, 8)
    assert report.forward_due - report.received_on > dt.timedelta(days=7)
    act.do_accept_report(report, acting_user=staff.county1)
    assert report.accept_feedback_due == _nth_workday(dt.date(2026, 9, 30), 15)
    assert feedback_count(staff.county1) == 1
    act.do_send_staff_message(report, "已受理。", acting_user=staff.county1, staff_private=staff.keys["county1"])
    assert feedback_count(staff.county1) == 0
    _on(monkeypatch, dt.date(2026, 12, 1))
    act.do_dispose_report(report, "inquiry", acting_user=staff.county1)
    assert report.state == "disposing"
    act.do_close_report(report, acting_user=staff.county1)
    assert report.close_feedback_due == _nth_workday(dt.date(2026, 12, 1), 15)
    assert feedback_count(staff.county1) == 1  # owed again: the outcome


def test_forward_to_another_level_rewraps_the_key(staff: Any, tree: Any) -> None:
    done = submit()
    with pytest.raises(ValidationError):
        act.do_forward_report(done.report, tree.county, acting_user=staff.county1, staff_private=staff.keys["county1"])
    act.do_forward_report(done.report, tree.town_a, acting_user=staff.county1, staff_private=staff.keys["county1"])
    report = Report.objects.get(pk=done.report.pk)
    assert report.org_path == tree.town_a.path and report.forwarded_to == tree.town_a.name
    # town A's officer reads it now; so do the county's keyed handlers, whose role covers town A
    assert act.read_report(report, staff.town, staff.keys["town"])["accused"] == "某局长"
    assert set(ReportAccess.objects.filter(report=report).values_list("user_id", flat=True)) == {
        staff.town.pk, staff.county1.pk, staff.custodian.pk}


def test_forwarding_tells_the_target_levels_handlers_the_envelope_only(staff: Any, tree: Any, root_user: Any,
                                                                       django_capture_on_commit_callbacks: Any) -> None:
    from dangjian.core.models import Notification
    from dangjian.core.roles import Role
    from dangjian.testing.fixtures import make_user

    named = make_user("town-named", Role.DISCIPLINE, tree.town_a, acting_user=root_user)
    done = submit(content="乙镇财政所所长挪用扶贫资金三万元用于个人消费。", accused="财政所所长")
    act.do_exclude_staff(done.report, named, acting_user=staff.county1)
    with django_capture_on_commit_callbacks(execute=True):
        act.do_forward_report(done.report, tree.town_a, acting_user=staff.county1,
                              staff_private=staff.keys["county1"])
    sent = list(Notification.objects.filter(kind="reports.forwarded"))
    assert [n.recipient_id for n in sent] == [staff.town.pk]  # not the excluded one, not the county's
    note = sent[0]
    assert done.report.number in note.title and tree.town_a.name in note.title
    assert note.url == f"/reports/{done.report.uuid}/" and tree.county.name in note.body
    for secret in ("挪用扶贫资金", "财政所所长", "三万元"):
        assert secret not in f"{note.title} {note.body} {note.url}"


def test_triage_states(staff: Any) -> None:
    report = submit().report
    with pytest.raises(ValidationError):
        act.do_dispose_report(report, "inquiry", acting_user=staff.county1)
    with pytest.raises(ValidationError):
        act.do_mark_out_of_scope(report, "", acting_user=staff.county1)
    act.do_mark_out_of_scope(report, "属于信访事项，不属于纪检监察受理范围", acting_user=staff.county1)
    assert report.state == "out_of_scope"
    other = submit().report
    act.do_accept_report(other, acting_user=staff.county1)
    with pytest.raises(ValidationError):
        act.do_dispose_report(other, "maybe", acting_user=staff.county1)
    act.do_dispose_report(other, "closed", acting_user=staff.county1)
    assert other.state == "closed" and other.closed_on


def test_the_list_is_paginated_with_bounded_queries_and_envelope_only(client: Any, staff: Any,
                                                                       django_assert_max_num_queries: Any) -> None:
    for _i in range(3):
        submit()
    client.force_login(staff.county1)
    client.get("/reports/")
    with django_assert_max_num_queries(12):
        page = client.get("/reports/")
    assert page.status_code == 200 and page.content.count(b"JB20") >= 3
    for _i in range(4):
        submit()
    with django_assert_max_num_queries(12):
        client.get("/reports/")
    r = client.get("/api/v1/reports?page_size=2")
    assert r.status_code == 200 and r.json()["count"] == 7 and len(r.json()["items"]) == 2
    assert set(r.json()["items"][0]) == {"id", "number", "state", "kind", "real_name", "received_on", "forward_due",
                                         "organization_path"}
    # the town officer sees none of the county's reports
    client.force_login(staff.town)
    assert client.get("/api/v1/reports").json()["count"] == 0


def test_the_search_box_finds_a_report_by_number_within_scope(staff: Any) -> None:
    from dangjian.core.search import search_all

    number = submit().report.number
    found = search_all(staff.county1, number)
    assert [h.title for g in found if g["kind"] == "reports" for h in g["items"]] == [number]
    assert not [g for g in search_all(staff.town, number) if g["kind"] == "reports"]
    assert not [g for g in search_all(staff.county1, "某局长") if g["kind"] == "reports"]


def test_todos_and_figures(staff: Any, tree: Any) -> None:
    submit()
    act.do_accept_report(submit(kind="integrity").report, acting_user=staff.county1)
    assert triage_count(staff.county1) == 1
    items = todos_for(staff.county1, limit=10).items
    assert any(t.ref.endswith(":triage") for t in items)
    received = get_figure("reports.received")
    assert received is not None
    today = timezone.localdate()
    assert figure_value(received, tree.county.path, today) == 2
    assert figure_value(received, tree.town_b.path, today) == 0
    assert breakdown(received, tree.county.path, today, "kind") == {"other": 1, "integrity": 1}
    assert breakdown(received, tree.county.path, today, "state") == {"received": 1, "accepted": 1}
    assert breakdown(received, tree.county.path, today, "timely") == {"waiting": 1, "on_time": 1}


def test_handlers_search_by_envelope_fields_with_bounded_queries(client: Any, staff: Any,
                                                                 django_assert_max_num_queries: Any) -> None:
    import datetime as dt

    from dangjian.reports.models import Report

    old = submit(kind="integrity").report
    named = submit(kind="masses", real_name="钱举报", phone="13912345678").report
    recent = submit(kind="integrity").report
    Report.objects.filter(pk=old.pk).update(received_on=dt.date(2026, 9, 1), forward_due=dt.date(2026, 9, 8))
    Report.objects.filter(pk=named.pk).update(received_on=dt.date(2026, 10, 9))
    client.force_login(staff.county1)

    def numbers(query: str) -> set[str]:
        return {i["number"] for i in client.get(f"/api/v1/reports?{query}").json()["items"]}

    assert numbers("kind=integrity") == {old.number, recent.number}
    assert numbers("real_name=true") == {named.number}
    assert numbers("real_name=false&kind=integrity") == {old.number, recent.number}
    assert numbers("received_from=2026-09-01&received_to=2026-10-31") == {old.number, named.number}
    assert numbers("overdue=true") == {old.number}
    assert numbers(f"number={recent.number[-4:]}") == {recent.number}
    r = client.get("/api/v1/reports?received_from=2026-10-01&received_to=2026-09-01")
    assert r.status_code == 400 and r.json()["field"] == "received_to"
    assert client.get("/api/v1/reports?kind=nonsense").json()["field"] == "kind"
    # the page: the same search, bounded queries
    client.get("/reports/")
    with django_assert_max_num_queries(12):
        page = client.get("/reports/?kind=integrity&received_to=2026-09-30")
    body = page.content.decode()
    assert old.number in body and recent.number not in body and named.number not in body
    bad = client.get("/reports/?received_from=2026-10-01&received_to=2026-09-01").content.decode()
    assert "“Received until” must not be before “Received from”." in bad or "不能早于" in bad
    # the content is never searchable: a word of it finds nothing
    assert numbers("number=某局长") == set()
