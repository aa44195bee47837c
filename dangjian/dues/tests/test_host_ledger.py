"""The host branch's ledger lists the floating members it hosts with their month's bill (the home
branch's bill: not in the host's totals), paid here or elsewhere, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.dues.actions import do_generate_bills, do_record_offline_payment
from dangjian.dues.selectors import hosted_guest_bills
from dangjian.dues.tests.conftest import give_base
from dangjian.dues.tests.test_consent import billed, floating  # noqa: F401 - fixtures
from dangjian.members.lifecycle.actions import do_issue_certificate


def ledger_of(client, org, month):
    return client.get(reverse("dues:ledger") + f"?org={org.pk}&month={month:%Y-%m}").content.decode()


def guest_row(page, member):
    return page.split(f'id="guest-{member.pk}"')[1].split("</tr>")[0]


def host(tree, root_user, member):
    today = dt.date.today()  # noqa: DTZ011 - the certificate's issue date
    do_issue_certificate(member, {"reason": "外出务工", "host_unit": "某电子厂", "host_org": tree.branch_b1.pk,
                                  "issued_on": today.isoformat(),
                                  "expires_on": (today + dt.timedelta(days=150)).isoformat()}, acting_user=root_user)


def test_host_ledger_lists_guests_outside_its_totals(client, tree, users, root_user, this_month,
                                                     floating, django_assert_max_num_queries):  # noqa: F811
    host_secretary = floating
    give_base(tree.dave, 300000, acting_user=users.admin)  # the host's own member: 15.00
    do_generate_bills(this_month)
    client.force_login(host_secretary)
    page = ledger_of(client, tree.branch_b1, this_month)
    assert 'id="hosted-guests"' in page
    row = guest_row(page, tree.alice)
    assert "张爱丽" in row and tree.branch_a1.name in row and "76.50" in row
    assert reverse("dues:record_payment", args=[tree.alice.pk]) in row  # unpaid: the host may take it
    assert 'id="total-due">15.00<' in page  # Alice's 76.50 is the home branch's

    payment = do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=host_secretary)
    assert payment.collected_org == tree.branch_b1
    page = ledger_of(client, tree.branch_b1, this_month)
    row = guest_row(page, tree.alice)
    assert "Paid here" in row or "在本支部缴纳" in row
    assert 'id="total-due">15.00<' in page and 'id="total-paid">0.00<' in page
    # the home branch's ledger counts it, and lists no guests
    client.force_login(users.secretary)
    home = ledger_of(client, tree.branch_a1, this_month)
    assert 'id="hosted-guests"' not in home and "76.50" in home.split('id="total-paid"')[1][:40]

    # a second guest, paid at home: "elsewhere"; the queries do not grow with the guests
    client.force_login(host_secretary)
    with CaptureQueriesContext(connection) as one_guest:
        ledger_of(client, tree.branch_b1, this_month)
    give_base(tree.carol, 300000, acting_user=users.organizer)
    do_generate_bills(this_month)
    do_record_offline_payment(tree.carol, months=[this_month], channel="cash", acting_user=users.organizer)
    host(tree, root_user, tree.carol)
    with django_assert_max_num_queries(len(one_guest.captured_queries)):
        page = ledger_of(client, tree.branch_b1, this_month)
    row = guest_row(page, tree.carol)
    assert "王卡洛" in row and "15.00" in row and ("Paid elsewhere" in row or "在原支部缴纳" in row)
    assert 'id="total-due">15.00<' in page
    assert {g.member.pk for g in hosted_guest_bills(tree.branch_b1, this_month)} == {tree.carol.pk, tree.alice.pk}


def test_guest_without_a_bill_and_committee_ledgers(client, tree, users, root_user, this_month):
    host(tree, root_user, tree.carol)  # no base, no bill
    client.force_login(users.admin)
    page = ledger_of(client, tree.branch_b1, this_month)
    row = guest_row(page, tree.carol)
    assert "王卡洛" in row and ("No bill" in row or "无账单" in row)
    assert 'id="hosted-guests"' not in ledger_of(client, tree.county, this_month)
    # an expired certificate: no longer a guest
    from dangjian.members.lifecycle.models import FloatingCertificate

    FloatingCertificate.objects.filter(member=tree.carol).update(issued_on=dt.date(1999, 12, 1),
                                                                expires_on=dt.date(2000, 1, 1))
    assert 'id="hosted-guests"' not in ledger_of(client, tree.branch_b1, this_month)


def test_host_ledger_exports_list_the_guests_outside_the_totals(client, tree, users, root_user, this_month,
                                                                floating):  # noqa: F811
    import io

    from openpyxl import load_workbook

    from dangjian.dues.pdf import ledger_html
    from dangjian.dues.selectors import branch_month_ledger

    host_secretary = floating
    give_base(tree.dave, 300000, acting_user=users.admin)
    do_generate_bills(this_month)
    do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=host_secretary)
    client.force_login(host_secretary)
    url = reverse("dues:ledger") + f"?org={tree.branch_b1.pk}&month={this_month:%Y-%m}"
    ws = load_workbook(io.BytesIO(client.get(url + "&export=xlsx").content)).active
    rows = list(ws.iter_rows(values_only=True))
    total = next(r for r in rows if r[0] in ("Total", "合计"))
    assert round(total[2] * 100) == 1500  # Alice's 76.50 is not in the host's total
    alice = next(r for r in rows if r[0] == "张爱丽")
    assert alice[1] == tree.branch_a1.name and alice[3] == "76.50" and alice[4] in ("Paid here", "在本支部缴纳")
    assert rows.index(alice) > rows.index(total)
    pdf = client.get(url + "&export=pdf")
    assert pdf.content.startswith(b"%PDF-")
    html = ledger_html(branch_month_ledger(host_secretary, tree.branch_b1, this_month),
                       hosted_guest_bills(tree.branch_b1, this_month))
    guests = html.split('id="pdf-guests"')[1]
    assert "张爱丽" in guests and "76.50" in guests and 'id="pdf-total-due">15.00<' in html
