"""On a 360×640 phone: an anonymous report with a photo (the proof of work solved by the page's WebCrypto), the
receipt code, follow-up with it, a handler who unlocks their key and replies, the reporter reading
the reply."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.reports.models import Attachment, Message, Report
from dangjian.reports.tests.conftest import PASSPHRASE
from dangjian.reports.tests.test_attachments import photo_with_metadata
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

CONTENT = "乡镇财政所所长在发放惠农补贴时每户克扣两百元，多户村民可以作证。"


def _follow(page: Any, base: str, code: str) -> None:
    page.goto(f"{base}/reports/follow/")
    page.fill("input[name=receipt_code]", code)
    page.click("#follow-submit")
    page.wait_for_selector("#report-status")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_anonymous_report_follow_up_and_staff_reply_on_a_phone(phone_page: Any, chromium: Any, live_server: Any,
                                                               staff: Any, tmp_path: Any) -> None:
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(photo_with_metadata())
    base, page = live_server.url, phone_page
    page.goto(f"{base}/reports/new/")
    page.fill("textarea[name=content]", CONTENT)
    page.fill("input[name=accused]", "财政所所长")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("#report-submit")
    page.wait_for_selector("#receipt-code")
    shown = page.inner_text("#receipt-code").strip()
    assert len(shown.split(" ")) == 7 and all(len(g) == 4 and g.isdigit() for g in shown.split(" "))
    assert page.is_visible("#receipt-copy") and page.is_visible("#receipt-save")
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    report = Report.objects.get()
    assert not report.real_name and CONTENT.encode() not in bytes(report.content_box)
    assert Attachment.objects.filter(report=report, original_file="").count() == 1

    _follow(page, base, shown)
    assert page.is_visible("#no-messages")

    handler = chromium.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                                   locale="zh-CN").new_page()
    handler.set_default_timeout(10_000)
    login(handler, base, staff.county1.username, PASSWORD)
    handler.goto(f"{base}/reports/{report.uuid}/")
    assert CONTENT not in handler.inner_text("main")
    handler.click("#unlock-link")
    handler.fill("input[name=passphrase]", PASSPHRASE)
    handler.click("#key-submit")
    handler.wait_for_selector("#report-text")
    assert handler.inner_text("#report-text").strip() == CONTENT
    shown_photo = handler.locator("#report-photos img")
    assert shown_photo.count() == 1
    handler.wait_for_function("() => { const i = document.querySelector('#report-photos img');"
                              " return i && i.complete && i.naturalWidth === 48; }")
    handler.fill("textarea[name=text]", "您反映的问题已收到，请补充涉及的村名。")
    handler.click("#message-send")
    handler.wait_for_selector("#report-thread li.from-staff")
    handler.context.close()
    assert Message.objects.filter(report=report, author="staff").count() == 1

    _follow(page, base, shown.replace(" ", ""))
    assert "您反映的问题已收到，请补充涉及的村名。" in page.inner_text("#report-thread")
    page.fill("textarea[name=text]", "涉及甲镇一村和二村。")
    page.click("#reply-submit")
    page.wait_for_selector("#report-thread li.from-reporter")
    assert "涉及甲镇一村和二村。" in page.inner_text("#report-thread")
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
