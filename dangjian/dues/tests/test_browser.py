"""Browser journey: a member sees this month's bill, pays through the WeChat Pay simulator (H5 on a
phone), sees the receipt; the treasurer's ledger shows the payment."""

from __future__ import annotations

import pytest

from dangjian.dues.actions import do_generate_bills
from dangjian.dues.tests.conftest import give_base, point_notify_at
from dangjian.testing.browser import PHONE_VIEWPORT, login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_UA = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0 Mobile Safari/537.36")


def test_member_pays_through_simulator_and_ledger_shows_it(live_server, chromium, tree, users, this_month,
                                                           wechat_sim, settings):
    point_notify_at(settings, wechat_sim, live_server.url)
    give_base(tree.alice, 510000, acting_user=users.secretary)
    do_generate_bills(this_month)

    context = chromium.new_context(viewport=PHONE_VIEWPORT, is_mobile=True, has_touch=True, locale="zh-CN",
                                   user_agent=PHONE_UA)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, users.member.username, PASSWORD)
        page.goto(f"{live_server.url}/dues/")
        assert page.text_content("#bill-yuan").strip() == "76.50"
        page.check("input[name=channel][value=wechat]")
        page.click("#pay-submit")
        page.wait_for_selector("#pay-open")
        assert page.text_content("#order-amount").strip() == "76.50"
        page.click("#pay-open")                      # to the simulator's H5 cashier
        page.wait_for_selector("#sim-pay")
        assert "76.50" in page.text_content("#sim-amount")
        page.click("#sim-pay")                       # pays; the simulator notifies us, then redirects back
        page.wait_for_selector("#receipt")
        assert page.text_content("#receipt-amount").strip() == "76.50"
        order_no = page.text_content("#receipt-no").strip()
    finally:
        context.close()

    staff = chromium.new_context(locale="zh-CN")
    page = staff.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, live_server.url, users.secretary.username, PASSWORD)
        page.goto(f"{live_server.url}/dues/manage/ledger/?org={tree.branch_a1.pk}&month={this_month:%Y-%m}")
        assert page.text_content("#total-paid").strip() == "76.50"
        assert order_no in page.text_content("#payments-table")
    finally:
        staff.close()
