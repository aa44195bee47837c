"""Pages: floating list (scoped, paginated), issue form, detail, print with QR, public check,
status-change pages, the member-home item, and the scope matrix (out of scope = 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from dangjian.members.lifecycle.actions import do_issue_certificate, do_propose_status_change
from dangjian.members.lifecycle.models import FloatingCertificate, StatusChangeRequest
from dangjian.members.lifecycle.tests.conftest import issue_data
from dangjian.testing.fixtures import PASSWORD

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def cert(tree: Any, people: Any) -> FloatingCertificate:
    return do_issue_certificate(tree.alice, issue_data(tree.branch_b1), acting_user=people.secretary)


def test_floating_list_outgoing_and_hosted(tree: Any, people: Any, cert: FloatingCertificate) -> None:
    body = _client(people.secretary).get("/lifecycle/floating/").content.decode()
    assert cert.number in body
    hosted = _client(people.host_secretary).get("/lifecycle/floating/?dir=in").content.decode()
    assert cert.number in hosted
    out_only = _client(people.host_secretary).get("/lifecycle/floating/?dir=out").content.decode()
    assert cert.number not in out_only
    assert _client(people.other_county).get("/lifecycle/floating/").content.decode().count(cert.number) == 0
    assert _client(people.member).get("/lifecycle/floating/").status_code == 403


def test_floating_list_query_count_is_bounded(tree: Any, people: Any, django_assert_max_num_queries: Any) -> None:
    from dangjian.testing.fixtures import make_member

    for i in range(12):
        m = make_member(tree.branch_a1, f"流动{i}", acting_user=people.admin)
        do_issue_certificate(m, issue_data(tree.branch_b1), acting_user=people.secretary)
    c = _client(people.secretary)
    c.get("/lifecycle/floating/")
    with django_assert_max_num_queries(14):
        response = c.get("/lifecycle/floating/")
    assert response.content.decode().count("LD") >= 12


def test_scope_matrix_certificate_pages(tree: Any, people: Any, cert: FloatingCertificate) -> None:
    for name in ("secretary", "town_secretary", "admin", "host_secretary", "other_town", "member", "discipline"):
        assert _client(getattr(people, name)).get(f"/lifecycle/floating/{cert.pk}/").status_code == 200, name
    for name in ("other_county", "public", "nobody"):
        assert _client(getattr(people, name)).get(f"/lifecycle/floating/{cert.pk}/").status_code == 404, name
    # the host sees the certificate but may not print or change it
    assert _client(people.host_secretary).get(f"/lifecycle/floating/{cert.pk}/print/").status_code == 404
    r = _client(people.host_secretary).post(f"/lifecycle/floating/{cert.pk}/end/",
                                            {"action": "revoke", "reason": "x"})
    assert r.status_code == 403
    assert _client(people.other_county).post(f"/lifecycle/floating/{cert.pk}/renew/",
                                           {"expires_on": "2099-01-01"}).status_code == 404


def test_issue_form_shows_field_errors_and_issues(tree: Any, people: Any) -> None:
    c = _client(people.secretary)
    page = c.get("/lifecycle/floating/issue/")
    assert page.status_code == 200 and "张爱丽" in page.content.decode()
    bad = c.post("/lifecycle/floating/issue/", {"member": tree.alice.pk, "host_org": tree.branch_a1.pk, "reason": "务工"})
    assert bad.status_code == 200 and "field-error" in bad.content.decode()
    assert not FloatingCertificate.objects.exists()
    ok = c.post("/lifecycle/floating/issue/", {"member": tree.alice.pk, "host_org": tree.branch_b1.pk, "reason": "务工"})
    cert = FloatingCertificate.objects.get()
    assert ok.status_code == 302 and ok["Location"].endswith(f"/lifecycle/floating/{cert.pk}/")
    # a member out of scope is not found
    assert c.post("/lifecycle/floating/issue/", {"member": tree.dave.pk, "host_place": "x",
                                                 "reason": "务工"}).status_code in (200, 404)
    assert not FloatingCertificate.objects.filter(member=tree.dave).exists()


def test_renew_end_and_report_through_pages(tree: Any, people: Any, cert: FloatingCertificate) -> None:
    c = _client(people.secretary)
    new = (cert.expires_on + dt.timedelta(days=30)).isoformat()
    assert c.post(f"/lifecycle/floating/{cert.pk}/renew/", {"expires_on": new}).status_code == 302
    assert c.post(f"/lifecycle/floating/{cert.pk}/report/", {"channel": "phone", "summary": "电话汇报"}).status_code == 302
    assert c.post(f"/lifecycle/floating/{cert.pk}/end/", {"action": "return", "reason": ""}).status_code == 200
    assert c.post(f"/lifecycle/floating/{cert.pk}/end/", {"action": "return", "reason": "回村"}).status_code == 302
    cert.refresh_from_db()
    assert cert.status == "returned" and cert.expires_on.isoformat() == new and cert.reports.count() == 1


def test_print_view_has_qr_to_public_check_with_masked_data(tree: Any, people: Any, cert: FloatingCertificate) -> None:
    body = _client(people.secretary).get(f"/lifecycle/floating/{cert.pk}/print/").content.decode()
    assert "<svg" in body and f"/lifecycle/verify/{cert.token}/" in body and "print.css" in body
    public = Client().get(f"/lifecycle/verify/{cert.token}/")
    text = public.content.decode()
    assert public.status_code == 200 and cert.number in text and "张*丽" in text and "张爱丽" not in text
    assert tree.alice.person.id_number_masked not in text
    assert Client().get("/lifecycle/verify/not-a-real-token/").status_code == 404


def test_status_request_pages(tree: Any, people: Any) -> None:
    c = _client(people.secretary)
    assert c.get("/lifecycle/status-requests/new/").status_code == 200
    r = c.post("/lifecycle/status-requests/new/", {"member": tree.alice.pk, "kind": "suspend", "reason": "失联"})
    assert r.status_code == 200 and "lost_contact_since" in r.content.decode()
    r = c.post("/lifecycle/status-requests/new/", {"member": tree.alice.pk, "kind": "death", "reason": "病故"})
    req = StatusChangeRequest.objects.get()
    assert r.status_code == 302
    detail = c.get(f"/lifecycle/status-requests/{req.pk}/").content.decode()
    assert "decide" not in detail  # the branch cannot decide
    assert _client(people.other_county).get(f"/lifecycle/status-requests/{req.pk}/").status_code == 404
    assert _client(people.other_town).get(f"/lifecycle/status-requests/{req.pk}/").status_code == 404
    t = _client(people.town_secretary)
    assert "/decide/" in t.get(f"/lifecycle/status-requests/{req.pk}/").content.decode()
    assert t.post(f"/lifecycle/status-requests/{req.pk}/decide/", {"decision": "reject", "note": ""}).status_code == 200
    assert t.post(f"/lifecycle/status-requests/{req.pk}/decide/", {"decision": "approve"}).status_code == 302
    tree.alice.refresh_from_db()
    assert tree.alice.status == "deceased"
    assert "张爱丽" in t.get("/lifecycle/status-requests/").content.decode()


def test_member_home_shows_certificate_and_pending_request(tree: Any, people: Any, cert: FloatingCertificate) -> None:
    do_propose_status_change(tree.alice, {"kind": "suspend", "reason": "失联",
                                          "lost_contact_since": dt.date(2000, 1, 1)}, acting_user=people.secretary)
    body = _client(people.member).get("/me/").content.decode()
    assert cert.number in body
    assert "Status change awaiting approval" in body or "待审批" in body


def test_status_request_list_query_count_is_bounded(tree: Any, people: Any,
                                                    django_assert_max_num_queries: Any) -> None:
    from dangjian.testing.fixtures import make_member

    for i in range(8):
        m = make_member(tree.branch_a1, f"葛某{i}", acting_user=people.admin)
        do_propose_status_change(m, {"kind": "death", "reason": "病故"}, acting_user=people.secretary)
    c = _client(people.town_secretary)
    c.get("/lifecycle/status-requests/")
    with django_assert_max_num_queries(14):
        body = c.get("/lifecycle/status-requests/").content.decode()
    assert body.count("葛某") == 8
