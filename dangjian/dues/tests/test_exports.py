"""Excel and PDF of the public notice (党费公示) and of the hand-overs (上缴): the screen's rows and
totals to the cent (the xlsx read back with openpyxl, the PDF's text read back), and the notice's
personal-data rule."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from dangjian.dues import HandoverStatus
from dangjian.dues.actions import do_generate_bills, do_record_offline_payment
from dangjian.dues.calc import cents_to_yuan
from dangjian.dues.collection import do_decide_handover, do_hand_up_dues, do_publish_notice, notice_data
from dangjian.dues.models import Payment
from dangjian.dues.reconcile import day_range
from dangjian.dues.tests.conftest import give_base
from dangjian.dues.tests.pdftext import pdf_text
from dangjian.dues.tests.test_collection import paid_months  # noqa: F401 - the fixture

MONEY = re.compile(r"^\d{1,3}(,\d{3})*\.\d\d$|^\d+\.\d\d$")


def cents(value) -> int:
    return int(Decimal(str(value)).quantize(Decimal("0.01")) * 100)


def sheet_rows(content: bytes) -> list[tuple]:
    ws = load_workbook(io.BytesIO(content), data_only=True).active
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def notice_from_xlsx(content: bytes) -> tuple[dict[str, tuple[list[str], int]], int, int]:
    rows = sheet_rows(content)
    assert rows[1][0] in ("Name", "姓名") and len(rows[1]) == 14
    people: dict[str, tuple[list[str], int]] = {}
    i = 2
    while rows[i][0] not in ("Total", "合计"):
        people[rows[i][0]] = (list(rows[i][1:13]), cents(rows[i][13]))
        i += 1
    return people, cents(rows[i][13]), cents(rows[i + 1][1])


def amounts_after(tokens: list[str], label: str) -> list[str]:
    at = tokens.index(label)
    return [t for t in tokens[at + 1:] if MONEY.match(t)]


def test_branch_notice_exports_equal_the_screen(client, tree, users, this_month, paid_months):  # noqa: F811
    last, _payment = paid_months
    do_record_offline_payment(tree.bob, months=[last], channel="cash", acting_user=users.secretary)
    data = notice_data(tree.branch_a1, last.year)
    assert len(data.rows) == 2 and data.paid_cents > 7650
    client.force_login(users.secretary)
    url = reverse("dues:manage_notice") + f"?org={tree.branch_a1.pk}&year={last.year}"
    screen = client.get(url).content.decode()
    assert f'id="notice-total">{cents_to_yuan(data.paid_cents)}<' in screen and 'id="notice-xlsx"' in screen
    response = client.get(url + "&export=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    people, total, voluntary = notice_from_xlsx(response.content)
    assert (total, voluntary) == (data.paid_cents, data.voluntary_cents) == (data.paid_cents, 1000)
    assert sum(c for _m, c in people.values()) == data.paid_cents
    for row in data.rows:
        marks, paid = people[row["name"]]
        assert paid == row["paid_cents"]
        assert marks[last.month - 1] == "✓" and marks.count("✓") == row["months"].count("paid")
    pdf = client.get(url + "&export=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    tokens = pdf_text(pdf.content).split()
    for row in data.rows:
        assert amounts_after(tokens, row["name"])[0] == row["paid_yuan"]
    total_label = next(t for t in ("合计", "Total") if t in tokens)
    assert amounts_after(tokens, total_label)[0] == cents_to_yuan(data.paid_cents)
    assert cents_to_yuan(data.voluntary_cents) in amounts_after(tokens, total_label)


def test_notice_exports_keep_the_personal_data_rule(client, tree, users, this_month, paid_months):  # noqa: F811
    last, _payment = paid_months
    client.force_login(users.secretary)
    url = reverse("dues:manage_notice") + f"?org={tree.branch_a1.pk}&year={last.year}"
    xlsx = " ".join(str(c) for row in sheet_rows(client.get(url + "&export=xlsx").content) for c in row if c)
    text = pdf_text(client.get(url + "&export=pdf").content)
    for content in (xlsx, text):
        assert "张爱丽" in content and "李博" in content
        for secret in ("5100", "5,100", "3000", "3,000", tree.alice.person.id_number, "在职", "In-service"):
            assert secret not in content, secret
    # another branch's notice is out of the secretary's scope
    assert client.get(reverse("dues:manage_notice") + f"?org={tree.branch_b1.pk}&export=xlsx").status_code == 404


def test_member_notice_exports_the_published_version(client, tree, users, this_month, paid_months):  # noqa: F811
    last, _payment = paid_months
    client.force_login(users.member)
    url = reverse("dues:notice") + f"?year={last.year}"
    assert client.get(url + "&export=xlsx").status_code == 404  # nothing published yet
    notice = do_publish_notice(tree.branch_a1, last.year, acting_user=users.secretary)
    do_record_offline_payment(tree.bob, months=[last], channel="cash", acting_user=users.secretary)  # after
    assert notice_data(tree.branch_a1, last.year).paid_cents > notice.total_paid_cents
    screen = client.get(url).content.decode()
    assert f'id="notice-total">{notice.total_paid_yuan}<' in screen and 'id="notice-pdf"' in screen
    people, total, voluntary = notice_from_xlsx(client.get(url + "&export=xlsx").content)
    assert (total, voluntary) == (notice.total_paid_cents, notice.voluntary_cents) == (7650, 1000)
    assert people["李博"][0][last.month - 1] == "✗" and people["李博"][1] == 0  # frozen as published
    tokens = pdf_text(client.get(url + "&export=pdf").content).split()
    total_label = next(t for t in ("合计", "Total") if t in tokens)
    assert amounts_after(tokens, total_label)[0] == "76.50"
    assert amounts_after(tokens, "李博")[0] == "0.00"


@pytest.fixture
def handed(tree, users, this_month, paid_months):  # noqa: F811
    """Branch a1: a returned hand-over, then a confirmed one of 80 yuan; branch a2: 10 of Carol's
    15 yuan handed up, not yet confirmed."""
    last, _payment = paid_months
    give_base(tree.carol, 300000, acting_user=users.organizer, year=last.year)
    do_generate_bills(last)
    carol = do_record_offline_payment(tree.carol, months=[last], channel="cash", voluntary_cents=0,
                                      acting_user=users.organizer)
    Payment.objects.filter(pk=carol.pk).update(paid_at=day_range(last)[0] + dt.timedelta(hours=9))
    returned = do_hand_up_dues(tree.branch_a1, period_start=last, months=1, handed_up_cents=5000,
                               acting_user=users.secretary)
    do_decide_handover(returned, confirm=False, note="金额不符", acting_user=users.organizer)
    confirmed = do_hand_up_dues(tree.branch_a1, period_start=last, months=1, handed_up_cents=8000,
                                acting_user=users.secretary)
    do_decide_handover(confirmed, confirm=True, acting_user=users.organizer)
    waiting = do_hand_up_dues(tree.branch_a2, period_start=last, months=1, handed_up_cents=1000,
                              acting_user=users.organizer)
    return last, returned, confirmed, waiting


def test_handover_exports_equal_the_screen(client, tree, users, handed, django_assert_max_num_queries):
    _last, returned, confirmed, waiting = handed
    collected = confirmed.collected_cents + waiting.collected_cents
    assert confirmed.collected_cents == 8650 and waiting.collected_cents == 1500
    client.force_login(users.organizer)
    url = reverse("dues:handovers") + f"?org={tree.town_a.pk}"
    with django_assert_max_num_queries(20):
        screen = client.get(url).content.decode()
    assert f'id="handover-total-collected">{cents_to_yuan(collected)}<' in screen
    assert 'id="handover-total-handed">90.00<' in screen and 'id="handover-total-confirmed">80.00<' in screen
    rows = sheet_rows(client.get(url + "&export=xlsx").content)
    body = [r for r in rows[2:] if r[0] not in ("Total", "合计") and r[1]]
    assert len(body) == 3  # all three listed, the returned one too
    total = next(r for r in rows if r[0] in ("Total", "合计"))
    assert (cents(total[2]), cents(total[3]), cents(total[4])) == (collected, 9000, 8000)
    returned_labels = set()
    for lang in ("en", "zh-hans"):
        with translation.override(lang):
            returned_labels.add(str(HandoverStatus.RETURNED.label))
    counted = [r for r in body if r[6] not in returned_labels]
    assert len(counted) == 2
    assert sum(cents(r[2]) for r in counted) == collected and sum(cents(r[3]) for r in counted) == 9000
    assert sum(cents(r[4]) for r in body) == 8000
    tokens = pdf_text(client.get(url + "&export=pdf").content).split()
    total_label = next(t for t in ("合计", "Total") if t in tokens)
    assert amounts_after(tokens, total_label)[:3] == [cents_to_yuan(collected), "90.00", "80.00"]
    # the branch sees (and exports) only its own
    client.force_login(users.secretary)
    rows = sheet_rows(client.get(reverse("dues:handovers") + f"?org={tree.branch_a1.pk}&export=xlsx").content)
    total = next(r for r in rows if r[0] in ("Total", "合计"))
    assert (cents(total[2]), cents(total[3]), cents(total[4])) == (8650, 8000, 8000)
    assert client.get(reverse("dues:handovers") + f"?org={tree.town_a.pk}&export=xlsx").status_code == 404
