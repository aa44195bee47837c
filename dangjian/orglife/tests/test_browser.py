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
    page.click("#id_minutes_editor")
    page.keyboard.type("会议学习了党章，讨论了年度工作。")
    # first try: a chair of blanks passes the browser but not the server; the minutes survive
    page.fill("#close-form input[name=chair]", "   ")
    page.fill("#close-form input[name=minute_taker]", "李委员")
    page.click("#close-activity")
    page.wait_for_selector("#id_minutes_editor")
    assert "学习了党章" in page.inner_text("#id_minutes_editor")
    a.refresh_from_db()
    assert a.status == "in_progress"
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


PASTED = ('<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0}</style></head>'
          '<body><!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]-->'
          '<p class="MsoNormal" style="mso-line-height-alt:12pt"><b><span style="font-family:宋体">决议事项</span></b>'
          '<o:p></o:p></p><p onclick="window.__pwned=3">第二段</p>'
          '<img src="x" onerror="window.__pwned=1"><script>window.__pwned=2</script>'
          '<a href="javascript:window.__pwned=4">坏链接</a></body></html>')


def test_secretary_writes_formatted_minutes_and_pasted_script_is_neutralised(
        phone_page: Any, live_server: Any, tree: Any, users: Any) -> None:
    from dangjian.orglife.actions import do_start_activity

    a = plan(tree.branch_a1, users.secretary, topic="十二月支部党员大会")
    do_start_activity(a, acting_user=users.secretary)
    page = phone_page
    csp_errors: list[str] = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    login(page, live_server.url, users.secretary.username, PASSWORD)
    page.goto(f"{live_server.url}/orglife/a/{a.pk}/")
    # the textarea is replaced by the editor (toolbar + editable area); the textarea stays as the field
    page.wait_for_selector("#id_minutes_editor")
    assert page.is_hidden("#close-form textarea[name=minutes]")
    toolbar = page.locator(".rich-toolbar .rich-button")
    assert toolbar.count() >= 9
    editor = page.locator("#id_minutes_editor")
    editor.click()
    page.click(".rich-button[title='标题']")
    page.keyboard.type("会议议程")
    page.keyboard.press("Enter")
    page.click(".rich-button[title='段落']")
    page.click(".rich-button[title='加粗']")
    page.keyboard.type("重要")
    page.click(".rich-button[title='加粗']")
    page.keyboard.type("：学习党章。")
    page.keyboard.press("Enter")
    page.click(".rich-button[title='项目符号列表']")
    page.keyboard.type("第一项")
    page.keyboard.press("Enter")
    page.keyboard.type("第二项")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    # a paste from Word carrying a script, an onerror image and a javascript: link
    page.evaluate("""(html) => {
        const dt = new DataTransfer();
        dt.setData('text/html', html);
        dt.setData('text/plain', 'plain');
        document.getElementById('id_minutes_editor').dispatchEvent(
            new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
    }""", PASTED)
    inner = editor.inner_html()
    assert "决议事项" in inner and "第二段" in inner
    for bad in ("<script", "onerror", "onclick", "javascript:", "<img", "mso-", "style=", "o:p"):
        assert bad not in inner.lower(), bad
    assert page.evaluate("window.__pwned") is None
    # the link button asks for an address; only http(s) is accepted
    page.once("dialog", lambda d: d.accept("https://www.12371.cn/"))
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("共产党员网")
    page.keyboard.press("Shift+Home")
    page.click(".rich-button[title='链接']")
    page.fill("#close-form input[name=chair]", "张书记")
    page.fill("#close-form input[name=minute_taker]", "李委员")
    for field in page.locator("#close-form input[name^=absence_]").all():
        field.fill("外出")
    page.click("#close-activity")
    page.wait_for_selector("#ledger-link")
    minutes = page.inner_html("#minutes")
    assert "<h3>会议议程</h3>" in minutes
    assert "<strong>重要</strong>" in minutes or "<b>重要</b>" in minutes
    assert "<ul><li>第一项</li><li>第二项</li></ul>" in minutes
    assert '<a href="https://www.12371.cn/" rel="nofollow noopener">共产党员网</a>' in minutes
    assert "<strong>决议事项</strong>" in minutes and "坏链接" in minutes  # the bad link's text, unlinked
    a.refresh_from_db()
    for bad in ("<script", "onerror", "onclick", "javascript:", "<img", "style="):
        assert bad not in a.minutes.lower(), bad
    assert page.evaluate("window.__pwned") is None
    assert not csp_errors
    _no_scroll(page)


def test_month_calendar_is_a_grid_on_a_desktop_and_a_list_on_a_phone(
        phone_page: Any, browser_page: Any, live_server: Any, tree: Any, users: Any, ol: Any) -> None:
    from dangjian.orglife.tests.conftest import at

    a = plan(tree.branch_a1, users.secretary, topic="五月主题党日", kind="theme_day", starts_at=at(2026, 5, 8))
    for page, user in ((browser_page, users.secretary), (phone_page, ol.alice)):
        login(page, live_server.url, user.username, PASSWORD)
        page.goto(f"{live_server.url}/orglife/calendar/?month=2026-04")
        page.click("#cal-next")
        page.wait_for_url("**month=2026-05")
        assert "2026年5月" in page.inner_text("#cal-month")
    # desktop: the 7-column grid is shown, the list is not
    assert browser_page.is_visible("#cal-grid") and not browser_page.is_visible("#cal-list")
    assert browser_page.locator("#cal-grid thead th").count() == 7
    # phone: the grid collapses to the list of days, with no sideways scrolling
    assert phone_page.is_visible("#cal-list") and not phone_page.is_visible("#cal-grid")
    _no_scroll(phone_page)
    phone_page.click("#cal-list >> text=五月主题党日")
    phone_page.wait_for_url(f"**/orglife/a/{a.pk}/")
