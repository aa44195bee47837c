"""The branch's dues table and the offline payment at 360×640 (issue 14): names and amounts on
one line, the "record payment" button finger-sized by the name, months ticked, back on the table."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.dues.actions import do_generate_bills
from dangjian.dues.billing import add_months
from dangjian.dues.models import Bill
from dangjian.dues.tests.conftest import give_base
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_record_an_offline_payment_on_a_phone(phone_page: Any, live_server: Any, tree: Any, users: Any,
                                              this_month: Any) -> None:
    last = add_months(this_month, -1)
    give_base(tree.alice, 510000, acting_user=users.secretary, month=last.month, year=last.year)
    do_generate_bills(last)
    page = phone_page
    login(page, live_server.url, users.secretary.username, PASSWORD)
    page.goto(f"{live_server.url}/dues/manage/members/?org={tree.branch_a1.pk}&year={last.year}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    name = page.locator(".member-name", has_text="张爱丽")
    name_box = name.bounding_box()
    assert name_box and name_box["height"] < 30  # one line, not one character per line
    button = page.locator(f"a.record-payment[href$='/manage/members/{tree.alice.pk}/record/']")
    box = button.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= 60 and box["width"] > box["height"]
    assert abs(box["y"] - name_box["y"]) < 60  # by the name
    row = page.locator("#member-year tbody tr").first.bounding_box()
    assert row and row["height"] <= 200  # was 255 px, one character per line
    button.click()
    page.wait_for_url("**/record/")
    page.check(f"input[name=months][value='{last:%Y-%m}']")
    page.uncheck(f"input[name=months][value='{this_month:%Y-%m}']")
    pick = page.locator(".month-pick").first.bounding_box()
    assert pick and pick["height"] >= 44
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/dues/manage/members/**")
    assert "张爱丽" in page.inner_text(".messages, [role=status], body")
    assert Bill.objects.get(member=tree.alice, month=last).status == "paid"
