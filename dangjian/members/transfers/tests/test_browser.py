"""Browser journey: a secretary starts a transfer between two branches, each approver on the route
approves it, and the member shows in the new branch."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.members.transfers.models import Transfer
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_runs_a_transfer_end_to_end(browser_page: Any, live_server: Any, tree: Any, users: Any,
                                              approvers: Any) -> None:
    page = browser_page
    base = live_server.url
    login(page, base, users.secretary.username, PASSWORD)
    page.goto(f"{base}/transfers/")
    page.click("#start-transfer")
    page.wait_for_url("**/transfers/new/")
    page.select_option("select[name=member]", str(tree.alice.pk))
    # the receiving branch through the search picker: type part of the name, choose a match
    page.fill("input[name=to_org_q]", "乙镇社区")
    option = page.locator(f"input[name=to_org][value='{tree.branch_b1.pk}']")
    option.wait_for()
    assert "中共乙镇委员会" in page.inner_text("#id_to_org_results")  # the match shows its parent
    option.check()
    page.fill("textarea[name=reason]", "工作调动到乙镇")
    page.fill("input[name=dues_paid_until]", "2026-10")
    page.click("#start-form .form-actions button[type=submit]")
    page.wait_for_selector("#route")
    transfer = Transfer.objects.get()
    assert page.locator("#route li").count() == 4
    assert page.get_attribute("#transfer-status", "data-status") == "in_progress"

    # each approver on the route, in order: the branch, the sending and receiving committees, the new branch
    for user in (users.secretary, approvers.town_a, approvers.town_b, approvers.branch_b1):
        if user is not users.secretary:
            page.context.clear_cookies()
            login(page, base, user.username, PASSWORD)
            page.goto(f"{base}/transfers/?tab=awaiting")
            page.click(f"a[href='/transfers/{transfer.pk}/']")
        page.wait_for_selector("#decide-form")
        page.fill("#decide-form textarea[name=reason]", "同意")
        with page.expect_navigation():
            page.click("#approve")
    page.wait_for_selector("#transfer-status")
    assert page.get_attribute("#transfer-status", "data-status") == "completed"
    assert page.locator("#route li[data-state=approved]").count() == 4

    # the member is now on the new branch's roll
    page.goto(f"{base}/members/?org={tree.branch_b1.pk}")
    assert "张爱丽" in page.inner_text("table.table")
    page.context.clear_cookies()
    login(page, base, users.secretary.username, PASSWORD)
    page.goto(f"{base}/members/?org={tree.branch_a1.pk}")
    assert "张爱丽" not in page.inner_text("main")


def test_transfer_pages_fit_a_phone(phone_page: Any, live_server: Any, tree: Any, users: Any) -> None:
    from dangjian.members.transfers.actions import do_start_transfer

    t = do_start_transfer(tree.alice, {"to_org": tree.branch_b1.pk, "reason": "工作调动"}, acting_user=users.secretary)
    page = phone_page
    login(page, live_server.url, users.secretary.username, PASSWORD)
    for path in ("/transfers/", "/transfers/new/", f"/transfers/{t.pk}/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1, path
    page.context.clear_cookies()
    login(page, live_server.url, users.member.username, PASSWORD)
    page.goto(f"{live_server.url}/me/")
    assert tree.branch_b1.name in page.inner_text("main")
