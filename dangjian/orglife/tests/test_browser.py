from __future__ import annotations

from typing import Any

import pytest

from dangjian.orglife import qr
from dangjian.orglife.models import Attendee
from dangjian.orglife.selectors import register_floating_guest_provider, unregister_floating_guest_provider
from dangjian.orglife.tests.conftest import plan
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1


def test_member_signs_in_by_scanning_the_venue_qr(phone_page: Any, live_server: Any, tree: Any, users: Any,
                                                  ol: Any) -> None:
    page = phone_page
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    a = plan(tree.branch_a1, users.secretary, topic="三月党员大会")
    # the venue screen (secretary) shows the QR code that encodes the sign-in URL
    login(page, live_server.url, users.secretary.username, PASSWORD)
    page.goto(f"{live_server.url}/orglife/a/{a.pk}/venue/")
    url = page.get_attribute("#venue-qr", "data-url")
    assert url and url.startswith(f"{live_server.url}/orglife/checkin/{a.pk}/")
    assert page.get_attribute("#venue-qr", "src").startswith("data:image/svg+xml")
    assert not [e for e in errors if "Content Security Policy" in e]
    page.context.clear_cookies()
    # the member scans: the phone opens the URL, signs in, and lands back on the sign-in result
    page.goto(url)
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=login]", ol.alice.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#checkin-ok")
    assert Attendee.objects.get(activity=a, member=tree.alice).checkin_method == "qr"
    _no_scroll(page)
    # an old code opened later by someone else is refused
    page.context.clear_cookies()
    login(page, live_server.url, ol.bob.username, PASSWORD)
    old = qr.code_for(a.pk, qr.current_window() - 5)
    page.goto(f"{live_server.url}/orglife/checkin/{a.pk}/{old}/")
    page.wait_for_selector("#checkin-error")
    assert not Attendee.objects.get(activity=a, member=tree.bob).present


def test_floating_member_attends_remotely(phone_page: Any, live_server: Any, tree: Any, users: Any, ol: Any) -> None:
    def hosted(branch: Any) -> list:
        return [tree.carol] if branch.pk == tree.branch_a1.pk else []

    register_floating_guest_provider(hosted)
    try:
        a = plan(tree.branch_a1, users.secretary, topic="主题党日（线上）", kind="theme_day",
                 online_link="https://meeting.example.cn/j/42")
    finally:
        unregister_floating_guest_provider(hosted)
    page = phone_page
    login(page, live_server.url, ol.carol.username, PASSWORD)
    page.goto(f"{live_server.url}/orglife/mine/")
    page.click("text=主题党日（线上）")
    assert "floating member" in page.inner_text("#my-part") or "流动党员" in page.inner_text("#my-part")
    page.click("#join-link")
    page.click("#join-button")
    page.wait_for_selector("#joined")
    assert page.get_attribute("#open-meeting", "href") == "https://meeting.example.cn/j/42"
    att = Attendee.objects.get(activity=a, member=tree.carol)
    assert att.present and att.checkin_method == "remote" and att.is_floating_guest and not att.has_vote
    _no_scroll(page)


def test_secretary_closes_the_meeting_and_the_ledger_shows_it(phone_page: Any, live_server: Any, tree: Any,
                                                               users: Any) -> None:
    a = plan(tree.branch_a1, users.secretary, topic="十一月党员大会")
    page = phone_page
    login(page, live_server.url, users.secretary.username, PASSWORD)
    page.goto(f"{live_server.url}/orglife/a/{a.pk}/")
    page.click("#start-activity")
    page.wait_for_selector("#close-form")
    alice = Attendee.objects.get(activity=a, member=tree.alice)
    bob = Attendee.objects.get(activity=a, member=tree.bob)
    page.click(f"#attendee-{alice.pk} button[type=submit]")
    page.wait_for_selector(f"#absence_{bob.pk}")
    page.fill("#close-form textarea[name=minutes]", "会议学习了党章，讨论了年度工作。")
    page.fill("#close-form input[name=chair]", "张书记")
    page.fill("#close-form input[name=minute_taker]", "李委员")
    page.fill(f"#absence_{bob.pk}", "外出务工")
    page.click("#close-activity")
    page.wait_for_selector("#ledger-link")
    assert "学习了党章" in page.inner_text("#minutes")
    page.click("#ledger-link")
    page.wait_for_selector("#ledger")
    ledger = page.inner_text("#ledger")
    assert "十一月党员大会" in ledger
    _no_scroll(page)
