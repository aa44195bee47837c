"""Pages: list tabs (scoped, paginated, bounded queries), start form, detail and decisions, letter
PDF, public verification, ledger, registration from an outside letter, member home item."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from typing import Any

import pytest
from django.utils import timezone

from dangjian.core.models import AuditEvent
from dangjian.members.models import Member
from dangjian.members.transfers import TransferStatus
from dangjian.members.transfers.actions import do_start_transfer
from dangjian.members.transfers.models import Transfer, TransferLedgerEntry
from dangjian.members.transfers.tests.helpers import approve_through, hop, start_data
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db


def test_list_tabs_are_scoped(client: Any, tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    client.force_login(users.secretary)
    assert t.number in client.get("/transfers/?tab=awaiting").content.decode()
    assert t.number in client.get("/transfers/?tab=outgoing").content.decode()
    assert t.number not in client.get("/transfers/?tab=incoming").content.decode()
    client.force_login(approvers.branch_b1)
    assert t.number not in client.get("/transfers/?tab=awaiting").content.decode()
    assert t.number in client.get("/transfers/?tab=incoming").content.decode()
    client.force_login(approvers.branch_a2)
    assert t.number not in client.get("/transfers/?tab=all").content.decode()
    assert client.get(f"/transfers/{t.pk}/").status_code == 404
    client.force_login(users.publicity)
    assert client.get("/transfers/").status_code == 403


def test_list_paginated_with_bounded_queries(client: Any, tree: Any, users: Any, root_user: Any,
                                             django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        m = make_member(tree.branch_a1, f"成员{i}", acting_user=root_user)
        do_start_transfer(m, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    client.force_login(users.secretary)
    client.get("/transfers/?tab=outgoing")  # warm the session/user caches
    with django_assert_max_num_queries(20):
        r = client.get("/transfers/?tab=outgoing")
    assert r.status_code == 200 and r.content.decode().count('href="/transfers/') >= 25
    r2 = client.get("/transfers/?tab=outgoing&page=2")
    assert r2.content.decode().count("ZJ") >= 5


def test_start_form_and_detail(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    r = client.get(f"/transfers/new/?member={tree.alice.pk}")
    assert r.status_code == 200 and 'name="to_org_q"' in r.content.decode()
    r = client.post("/transfers/new/", {"member": tree.alice.pk, "target": "platform", "to_org": tree.branch_a1.pk,
                                        "reason": "调动", "validity_days": 30})
    assert r.status_code == 200 and 'class="field-error"' in r.content.decode()
    assert not Transfer.objects.exists()
    r = client.post("/transfers/new/", {"member": tree.alice.pk, "target": "platform", "to_org": tree.branch_b1.pk,
                                        "reason": "调动", "validity_days": 30, "dues_paid_until": "2026-09"})
    t = Transfer.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/transfers/{t.pk}/"
    page = client.get(f"/transfers/{t.pk}/").content.decode()
    assert 'id="route"' in page and 'aria-current="step"' in page and 'id="approve"' in page
    assert tree.alice.person.id_number not in page


def test_start_form_out_of_scope_member_is_404(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    r = client.post("/transfers/new/", {"member": tree.dave.pk, "target": "platform", "to_org": tree.branch_a2.pk,
                                        "reason": "调动", "validity_days": 30})
    assert r.status_code == 200  # not among the choices: the form refuses it
    assert not Transfer.objects.exists()


def test_decide_via_page(client: Any, tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_a2.pk), acting_user=users.secretary)
    client.force_login(users.secretary)
    first = hop(t, 0)
    r = client.post(f"/transfers/{t.pk}/decide/", {"hop": first.pk, "decision": "approve", "reason": "同意"})
    assert r.status_code == 302
    r = client.post(f"/transfers/{t.pk}/decide/", {"hop": first.pk, "decision": "approve"})
    assert r.status_code == 400  # already decided
    client.force_login(approvers.town_a)
    r = client.post(f"/transfers/{t.pk}/decide/", {"hop": hop(t, 1).pk, "decision": "return", "reason": ""})
    assert r.status_code == 400
    r = client.post(f"/transfers/{t.pk}/decide/", {"hop": hop(t, 1).pk, "decision": "return", "reason": "缺材料"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.RETURNED
    client.force_login(users.secretary)
    assert client.post(f"/transfers/{t.pk}/resubmit/").status_code == 302
    assert client.post(f"/transfers/{t.pk}/cancel/", {"reason": "不调了"}).status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.CANCELLED


def _pdf_fonts(pdf: bytes) -> set[bytes]:
    """Names of the fonts embedded in a PDF (WeasyPrint compresses its object streams)."""
    fonts: set[bytes] = set()
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        fonts.update(f.split(b"+")[-1] for f in re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", data))
    return fonts


def test_letter_pdf_verify_and_receipt(client: Any, tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_external={"name": "外省某村党支部"}), acting_user=users.secretary)
    client.force_login(users.secretary)
    assert client.get(f"/transfers/{t.pk}/letter.pdf").status_code == 404  # not issued yet
    approve_through(t, [approvers.branch_a1, approvers.town_a])
    r = client.get(f"/transfers/{t.pk}/letter.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert any(f.startswith(b"Noto") for f in _pdf_fonts(r.content)), "the CJK font is embedded"
    assert AuditEvent.objects.filter(action="transfer.letter_printed", target_id=str(t.pk)).count() == 1
    client.force_login(users.organizer)  # may see transfers, not full ID numbers
    assert client.get(f"/transfers/{t.pk}/letter.pdf").status_code == 403
    client.logout()
    page = client.get(f"/transfers/verify/{t.verify_token}/").content.decode()
    assert t.number in page and 'id="verify-valid"' in page
    assert tree.alice.person.name not in page and tree.alice.person.id_number not in page
    assert tree.alice.person.name[0] + "**" in page
    assert client.get("/transfers/verify/forged-token/").status_code == 404
    client.force_login(approvers.town_a)
    r = client.post(f"/transfers/{t.pk}/receipt/", {"received_on": timezone.localdate().isoformat(), "note": "已签收"})
    assert r.status_code == 302
    t.refresh_from_db()
    assert t.status == TransferStatus.COMPLETED
    client.logout()
    assert 'id="verify-invalid"' in client.get(f"/transfers/verify/{t.verify_token}/").content.decode()


def test_letter_pdf_contains_the_verification_link() -> None:
    from dangjian.members.transfers.letter import letter_html, qr_data_uri

    t = Transfer(number="ZJ2026-000001", verify_token="tok", name="张三", from_org_name="甲", to_org_name="乙",
                 validity_days=30, issued_on=dt.date(2026, 1, 5), valid_until=dt.date(2026, 2, 4), membership="full")
    html = letter_html(t)
    assert "/transfers/verify/tok/" in html and html.count("ZJ2026-000001") >= 3
    assert qr_data_uri("x").startswith("data:image/svg+xml")


def test_ledger_page(client: Any, tree: Any, users: Any, approvers: Any, django_assert_max_num_queries: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    approve_through(t, [approvers.branch_a1, approvers.town_a, approvers.town_b, approvers.branch_b1])
    assert TransferLedgerEntry.objects.count() == 2
    client.force_login(approvers.town_b)
    with django_assert_max_num_queries(20):
        page = client.get(f"/transfers/ledger/?org={tree.town_b.pk}").content.decode()
    assert t.number in page and tree.branch_a1.name in page
    assert client.get(f"/transfers/ledger/?org={tree.town_a.pk}").status_code == 404
    client.force_login(users.secretary)
    page = client.get("/transfers/ledger/?direction=out").content.decode()
    assert t.number in page
    r = client.get(f"/transfers/ledger/export/?org={tree.branch_a1.pk}&direction=out")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[2][2] == tree.alice.person.name and rows[2][4] == t.number
    assert client.get(f"/transfers/ledger/export/?org={tree.town_b.pk}").status_code == 404


def test_register_incoming_from_outside_letter(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    assert client.get("/transfers/incoming/new/").status_code == 200
    today = timezone.localdate()
    data = {
        "number": "外字2026-88", "from_org_name": "中共某省某县某村支部委员会",
        "valid_until": (today + dt.timedelta(days=10)).isoformat(), "received_on": today.isoformat(),
        "dues_paid_until": "2026-08",
        "m-name": "钱多多", "m-id_number": "", "m-sex": "female", "m-ethnicity": "汉族",
        "m-organization": tree.branch_a1.pk, "m-status": "full", "m-category": "in_service",
        "m-join_date": "2015-07-01", "m-full_date": "2016-07-01",
    }
    r = client.post("/transfers/incoming/new/", {**data, "valid_until": (today - dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 200 and not Member.objects.filter(person__name="钱多多").exists()
    r = client.post("/transfers/incoming/new/", data)
    assert r.status_code == 302, r.content.decode()[:3000]
    member = Member.objects.get(person__name="钱多多")
    assert member.organization == tree.branch_a1 and member.add_type == "transferred_in"
    t = Transfer.objects.get(member=member)
    assert t.external_number == "外字2026-88" and t.status == TransferStatus.COMPLETED
    assert list(TransferLedgerEntry.objects.values_list("organization_id", "direction")) == [(tree.branch_a1.pk, "in")]


def test_member_home_shows_where_the_transfer_is(client: Any, tree: Any, users: Any, approvers: Any) -> None:
    t = do_start_transfer(tree.alice, start_data(to_org=tree.branch_b1.pk), acting_user=users.secretary)
    approve_through(t, [approvers.branch_a1])
    client.force_login(users.member)
    page = client.get("/me/").content.decode()
    assert tree.branch_b1.name in page and tree.town_a.name in page
    assert client.get(f"/transfers/{t.pk}/").status_code == 200


def test_member_requests_own_transfer(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.member)
    assert 'href="/transfers/mine/"' in client.get("/me/").content.decode()
    assert client.get("/transfers/").status_code == 302
    r = client.post("/transfers/mine/", {"target": "platform", "to_org": tree.branch_a2.pk, "reason": "搬家",
                                         "validity_days": 30})
    t = Transfer.objects.get()
    assert r.status_code == 302 and t.started_by_member and t.member == tree.alice
    page = client.get("/transfers/mine/").content.decode()
    assert t.number in page and 'id="request-form"' not in page
