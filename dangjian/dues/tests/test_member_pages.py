"""Member pages (my dues, pay page with QR code, receipt), the home item, the demo seeder."""

from __future__ import annotations

import random

from django.urls import reverse

from dangjian.core.hooks import DemoContext
from dangjian.dues import BillStatus, PaymentStatus
from dangjian.dues.actions import do_generate_bills
from dangjian.dues.demo import seed_dues
from dangjian.dues.models import Bill, DuesBase, Payment
from dangjian.dues.tests.conftest import give_base
from dangjian.dues.views import home_items


def test_my_dues_page_shows_bill_and_pays_with_qr(client, tree, users, this_month, wechat_sim,
                                                 django_assert_max_num_queries):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    client.force_login(users.member)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("dues:my"))
    html = response.content.decode()
    assert response.status_code == 200 and 'id="bill-yuan">76.50<' in html
    response = client.post(reverse("dues:my"), {"months": [f"{this_month:%Y-%m}"], "channel": "wechat"})
    payment = Payment.objects.get()
    assert response["Location"] == reverse("dues:pay", args=[payment.out_trade_no])
    page = client.get(response["Location"]).content.decode()
    assert payment.pay_mode == "native" and "<svg" in page and 'id="pay-qr"' in page
    # polling while unpaid returns the status fragment; once paid it sends the browser to the receipt
    assert 'id="pay-status"' in client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    wechat_sim.pay(payment.out_trade_no, notify=False)
    client.post(reverse("dues:pay_check", args=[payment.out_trade_no]))
    poll = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert poll["HX-Redirect"] == reverse("dues:receipt", args=[payment.out_trade_no])
    receipt = client.get(poll["HX-Redirect"]).content.decode()
    assert "76.50" in receipt and payment.out_trade_no in receipt


def test_english_page(client, tree, users, this_month, wechat_sim):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    client.force_login(users.member)
    html = client.get(reverse("dues:my") + "?lang=en").content.decode()
    assert "My party dues" in html and "Pay now" in html
    html = client.get(reverse("dues:my") + "?lang=zh-hans").content.decode()
    assert "我的党费" in html and "立即交纳" in html


def test_someone_elses_payment_is_404(client, tree, users, this_month, wechat_sim):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    client.force_login(users.member)
    client.post(reverse("dues:my"), {"months": [f"{this_month:%Y-%m}"], "channel": "wechat"})
    no = Payment.objects.get().out_trade_no
    for user in (users.public, users.nobody):
        client.force_login(user)
        assert client.get(reverse("dues:pay", args=[no])).status_code == 404
        assert client.get(reverse("dues:receipt", args=[no])).status_code == 404
    client.force_login(users.secretary)  # the branch may see it
    assert client.get(reverse("dues:pay", args=[no])).status_code == 200


def test_home_item_for_unpaid_month(rf, tree, users, this_month):
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)
    request = rf.get("/")
    request.user = users.member
    items = home_items(request)
    assert len(items) == 1 and "76.50" in items[0]["body"]


def test_demo_seeder_writes_bases_bills_and_payments(tree, users, root_user, this_month):
    ctx = DemoContext(root=tree.county, branch=tree.branch_a1, users={"admin": root_user},
                      rng=random.Random(1), today=this_month, scale="small")
    seed_dues(ctx)
    assert DuesBase.objects.filter(member__organization=tree.branch_a1).count() == 2
    assert Bill.objects.filter(org_path__startswith=tree.branch_a1.path).count() == 8  # 2 members × 4 months
    assert Payment.objects.filter(status=PaymentStatus.PAID).exists()
    assert Bill.objects.filter(status=BillStatus.DUE).exists()


def test_staff_without_a_membership_are_taken_to_the_ledger(client, users):
    client.force_login(users.admin)  # the county administrator has no member record
    response = client.get(reverse("dues:my"))
    assert response.status_code == 302 and response["Location"] == reverse("dues:ledger")
    client.force_login(users.public)  # neither a member nor staff: nothing here
    assert client.get(reverse("dues:my")).status_code == 404
