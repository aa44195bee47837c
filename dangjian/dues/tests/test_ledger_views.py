"""Ledger page and Excel export (same totals to the cent), member pages, base import, scope."""

from __future__ import annotations

import io

from django.urls import reverse
from openpyxl import Workbook, load_workbook

from dangjian.dues import BaseStatus
from dangjian.dues.actions import do_generate_bills, do_record_offline_payment
from dangjian.dues.models import DuesBase
from dangjian.dues.selectors import branch_month_ledger
from dangjian.dues.tests.conftest import give_base


def setup_month(tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    give_base(tree.bob, 333333, acting_user=users.secretary)   # 3333.33 × 1 % = 33.33
    give_base(tree.carol, 1000001, acting_user=users.admin)    # 10000.01 × 2 % = 200.00
    do_generate_bills(this_month)
    do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=users.secretary)


def test_ledger_screen_and_excel_match_to_the_cent(client, tree, users, this_month, django_assert_max_num_queries):
    setup_month(tree, users, this_month)
    client.force_login(users.organizer)
    url = f"{reverse('dues:ledger')}?org={tree.town_a.pk}&month={this_month:%Y-%m}"
    client.get(url)  # the menu's badge counts (cached 30 s per user) are the shell's, not this page's
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    ledger = response.context["ledger"]
    assert (ledger.total.due_cents, ledger.total.paid_cents, ledger.total.unpaid_cents) == (7650 + 3333 + 20000, 7650,
                                                                                          3333 + 20000)
    html = response.content.decode()
    assert "309.83" in html and "76.50" in html and "233.33" in html
    export = client.get(url + "&export=xlsx")
    ws = load_workbook(io.BytesIO(export.content)).active
    rows = list(ws.iter_rows(values_only=True))
    total = next(r for r in rows if r[0] in ("合计", "Total"))
    assert round(total[2] * 100) == ledger.total.due_cents
    assert round(total[4] * 100) == ledger.total.paid_cents
    assert round(total[6] * 100) == ledger.total.unpaid_cents
    assert sum(round(r[2] * 100) for r in rows[2:-2]) == ledger.total.due_cents
    pdf = client.get(url + "&export=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    from dangjian.dues.pdf import ledger_html

    printed = ledger_html(ledger)
    assert 'id="pdf-total-due">309.83<' in printed and 'id="pdf-total-paid">76.50<' in printed


def test_ledger_out_of_scope_is_404(client, tree, users, this_month):
    client.force_login(users.secretary)
    assert client.get(f"{reverse('dues:ledger')}?org={tree.branch_b1.pk}").status_code == 404
    client.force_login(users.member)
    assert client.get(reverse("dues:ledger")).status_code == 403


def test_member_year_page_is_bounded(client, tree, users, this_month, django_assert_max_num_queries):
    setup_month(tree, users, this_month)
    client.force_login(users.admin)
    with django_assert_max_num_queries(20):
        response = client.get(f"{reverse('dues:member_year')}?org={tree.county.pk}&year={this_month.year}")
    assert response.status_code == 200 and "张爱丽" in response.content.decode()


def test_member_reports_base_on_the_phone_form(client, tree, users):
    client.force_login(users.member)
    from dangjian.dues.billing import current_month

    response = client.post(reverse("dues:report_base"), {
        "year": current_month().year, "effective_month": 1, "category": "in_service",
        "item_0": "基本工资", "amount_0": "5600", "tax": "500"})
    assert response.status_code == 302
    base = DuesBase.objects.get(member=tree.alice)
    assert base.base_cents == 510000 and base.status == BaseStatus.SUBMITTED
    client.force_login(users.secretary)
    response = client.post(reverse("dues:review_base", args=[base.pk]), {"decision": "approve"})
    assert DuesBase.objects.get(pk=base.pk).status == BaseStatus.APPROVED


def _workbook(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["身份证号码", "姓名", "年度", "起始月份", "党费类别", "月基数（元）"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "bases.xlsx"
    return out


def _id(member):
    from dangjian.core import crypto

    return member.person.id_number if hasattr(member.person, "id_number") else crypto.decrypt("")


def test_import_validates_every_row_and_writes_nothing_on_error(client, tree, users):
    from dangjian.dues.billing import current_month

    year = current_month().year
    client.force_login(users.secretary)
    bad = _workbook([[_id(tree.alice), tree.alice.person.name, year, 1, "in_service", "5100"],
                     [_id(tree.bob), "错名字", year, 1, "in_service", "abc"],
                     [_id(tree.dave), tree.dave.person.name, year, 1, "in_service", "4000"]])
    response = client.post(reverse("dues:import_bases"), {"file": bad})
    errors = response.context["check"].errors
    assert [e.row for e in errors] == [3, 4]  # row 3: name; row 4: dave is outside the branch
    assert not DuesBase.objects.exists()
    good = _workbook([[_id(tree.alice), tree.alice.person.name, year, 1, "in_service", "5100"],
                      [_id(tree.bob), tree.bob.person.name, year, 3, "in_service", "4000.50"]])
    response = client.post(reverse("dues:import_bases"), {"file": good})
    assert response.status_code == 302
    assert DuesBase.objects.filter(status=BaseStatus.APPROVED).count() == 2
    assert DuesBase.objects.get(member=tree.bob).base_cents == 400050


def test_committee_ledger_rolls_up_by_child_and_drills_down(client, tree, users, this_month):
    for member, cents in ((tree.alice, 510000), (tree.carol, 300000), (tree.dave, 300000)):
        give_base(member, cents, acting_user=users.admin)
    result = do_generate_bills(this_month)
    assert result.created == 3 and do_generate_bills(this_month).created == 0  # exact, and idempotent
    do_record_offline_payment(tree.alice, months=[this_month], channel="cash", acting_user=users.secretary)
    county = branch_month_ledger(users.admin, tree.county, this_month)
    assert [(r.name, r.due_cents, r.paid_cents) for r in county.rows] == [
        ("中共乙镇委员会", 1500, 0), ("中共甲镇委员会", 7650 + 1500, 7650)]
    town = branch_month_ledger(users.admin, tree.town_a, this_month)
    assert sorted(r.name for r in town.rows) == ["甲镇一村党支部", "甲镇二村党支部"]
    branch = branch_month_ledger(users.admin, tree.branch_a1, this_month)
    assert [(r.org_id, r.due_cents) for r in branch.rows] == [(tree.branch_a1.pk, 7650)]
    client.force_login(users.admin)
    page = client.get(reverse("dues:ledger") + f"?org={tree.county.pk}&month={this_month:%Y-%m}").content.decode()
    assert f"?org={tree.town_a.pk}&amp;month={this_month:%Y-%m}" in page


def test_member_year_screen_excel_and_pdf_match_to_the_cent(client, tree, users, this_month,
                                                            django_assert_max_num_queries):
    from django.utils import translation

    from dangjian.dues.pdf import member_year_html

    setup_month(tree, users, this_month)
    client.force_login(users.organizer)
    url = f"{reverse('dues:member_year')}?org={tree.town_a.pk}&year={this_month.year}"
    with django_assert_max_num_queries(20):
        response = client.get(url)
    totals = response.context["totals"]
    rows = response.context["rows"]
    assert (totals.due_cents, totals.paid_cents, totals.unpaid_cents) == (7650 + 3333 + 20000, 7650, 23333)
    assert totals.members == len(rows) and sum(r["due_cents"] for r in rows) == totals.due_cents
    html = response.content.decode()
    assert 'id="total-due">309.83<' in html and 'id="total-paid">76.50<' in html and "233.33" in html
    assert ">76.50<" in html  # a member's own year total is shown, not left blank
    export = client.get(url + "&export=xlsx")
    ws = load_workbook(io.BytesIO(export.content)).active
    sheet = list(ws.iter_rows(values_only=True))
    total = next(r for r in sheet if r[0] in ("合计", "Total"))
    assert round(total[13] * 100) == totals.due_cents and round(total[14] * 100) == totals.paid_cents
    members = sheet[2:sheet.index(total)]
    assert len(members) == totals.members
    assert sum(round(r[13] * 100) for r in members) == totals.due_cents
    assert sum(round(r[14] * 100) for r in members) == totals.paid_cents
    alice = next(r for r in members if r[0] == "张爱丽")
    assert alice[this_month.month] == "76.50 ✓"
    pdf = client.get(url + "&export=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    with translation.override("en"):
        printed = member_year_html(tree.town_a.name, this_month.year, rows, totals)
    assert 'id="pdf-total-due">309.83<' in printed and 'id="pdf-total-unpaid">233.33<' in printed


def test_member_year_export_too_large_asks_for_a_smaller_organization(client, tree, users, this_month, settings):
    from dangjian.dues import views

    setup_month(tree, users, this_month)
    client.force_login(users.admin)
    url = f"{reverse('dues:member_year')}?org={tree.county.pk}&year={this_month.year}"
    original = dict(views.MEMBER_YEAR_EXPORT_MAX)
    views.MEMBER_YEAR_EXPORT_MAX["pdf"] = 1
    try:
        response = client.get(url + "&export=pdf", follow=True)
    finally:
        views.MEMBER_YEAR_EXPORT_MAX.update(original)
    assert response.redirect_chain and response["Content-Type"].startswith("text/html")
    assert any("at most 1" in str(m) or "最多 1" in str(m) for m in response.context["messages"])
    client.force_login(users.member)
    assert client.get(url + "&export=xlsx").status_code == 403
