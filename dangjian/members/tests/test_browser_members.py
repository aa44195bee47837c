"""Browser journey: a branch secretary finds a member by pinyin initials and edits the work unit."""

from __future__ import annotations

import pytest

from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_searches_opens_and_edits_member(browser_page, live_server, tree, users):
    page = browser_page
    base = live_server.url
    login(page, base, users.secretary.username, PASSWORD)

    page.goto(f"{base}/members/")
    page.fill("form.filters input[name=q]", "zal")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    rows = page.locator("table.table tbody tr")
    assert rows.count() == 1
    assert "张爱丽" in rows.first.inner_text()
    assert "李博" not in page.locator("table.table").inner_text()

    rows.first.locator("a").first.click()
    page.wait_for_url(f"**/members/{tree.alice.pk}/")
    assert tree.alice.person.id_number_masked in page.inner_text("[data-field=id_number]")

    page.click(f"a[href='/members/{tree.alice.pk}/edit/']")
    page.wait_for_url(f"**/members/{tree.alice.pk}/edit/")
    page.fill("input[name=work_unit]", "甲镇农业合作社")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"**/members/{tree.alice.pk}/")

    assert page.inner_text("[data-field=work_unit]") == "甲镇农业合作社"
    history = page.locator("section.history .history-entry").first
    assert "甲镇农业合作社" in history.inner_text()
    assert users.secretary.username in history.inner_text()


def test_list_fits_phone_width(phone_page, live_server, tree, users):
    page = phone_page
    login(page, live_server.url, users.secretary.username, PASSWORD)
    page.goto(f"{live_server.url}/members/")
    assert "张爱丽" in page.inner_text("table.table")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0


def test_reveal_and_org_tree_with_htmx(browser_page, live_server, tree, users):
    page = browser_page
    base = live_server.url
    login(page, base, users.admin.username, PASSWORD)

    page.goto(f"{base}/members/{tree.alice.pk}/")
    assert tree.alice.person.id_number not in page.inner_text("#member-pii")
    page.click("#member-pii button[type=submit]")
    page.wait_for_selector("#member-pii .note")
    assert page.inner_text("[data-field=id_number]") == tree.alice.person.id_number
    assert page.url.endswith(f"/members/{tree.alice.pk}/")  # swapped in place, no navigation

    page.goto(f"{base}/orgs/")
    county = page.locator(f"li.tree-node[data-org='{tree.county.pk}']")
    county.locator("summary").first.click()
    page.wait_for_selector(f"li.tree-node[data-org='{tree.town_a.pk}']")
    assert tree.town_b.name in county.inner_text()
