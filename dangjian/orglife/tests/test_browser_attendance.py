"""The attendance page at 360×640 (issue 14): finger-sized controls, "everyone present", the
sign-in bar in reach while the list scrolls."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.orglife.actions import do_start_activity
from dangjian.orglife.tests.conftest import plan
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_attendance_on_a_phone(phone_page: Any, live_server: Any, tree: Any, users: Any, root_user: Any) -> None:
    for i in range(18):
        make_member(tree.branch_a1, f"党员{i:02d}", acting_user=root_user)
    a = plan(tree.branch_a1, users.secretary, topic="党员大会")
    do_start_activity(a, acting_user=users.secretary)
    page = phone_page
    login(page, live_server.url, users.secretary.username, PASSWORD)
    page.goto(f"{live_server.url}/orglife/a/{a.pk}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    pick = page.locator(".attendance-pick").first.bounding_box()
    assert pick and pick["height"] >= 44 and pick["width"] >= 44
    box = page.locator(".attendance-pick input").first.bounding_box()
    assert box and box["height"] >= 27  # was 20×20
    row = page.locator(".attendance-table tbody tr").first.bounding_box()
    assert row and row["height"] <= 140
    assert "签到" in page.locator(".attendance-actions button").first.inner_text()
    # scrolled to the last attendee, the bar with "everyone present" is still on screen
    page.locator(".attendance-table tbody tr").last.scroll_into_view_if_needed()
    bar = page.locator("#attendance-bar").bounding_box()
    assert bar and 0 <= bar["y"] < 640
    page.click("#all-present")
    page.wait_for_load_state()
    assert a.attendees.filter(checked_in_at__isnull=True).count() == 0
    assert page.locator("#to-close").is_visible()
