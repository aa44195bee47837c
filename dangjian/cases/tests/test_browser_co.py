"""Co-departments in the browser: a co-department's handler, on a phone, gives its input on an
incident; the lead department sees it and replies; the public statement page shows that the
co-department did its part (without the input's text)."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.cases.actions import do_open_incident
from dangjian.cases.models import CoInput
from dangjian.testing.browser import DESKTOP_VIEWPORT, login
from dangjian.testing.fixtures import PASSWORD

INPUT = "交通局已协调公交公司临时改线，绕开停水小区周边施工路段。"
REPLY = "供水管道已抢修完毕，小区今晚八点恢复供水。"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_co_department_input_then_lead_reply(phone_page: Any, chromium: Any, live_server: Any, depts: Any,
                                             users: Any) -> None:
    base = live_server.url
    case = do_open_incident(title="网传某小区停水三天", summary="网络舆情：某小区停水三天无人管。",
                            lead_department=depts.housing, co_departments=[depts.transport], hours=24,
                            acting_user=users.admin)

    # the lead department sees whose input it is waiting for
    lead_ctx = chromium.new_context(viewport=DESKTOP_VIEWPORT, locale="zh-CN")
    lead = lead_ctx.new_page()
    lead.set_default_timeout(10_000)
    login(lead, base, depts.h1.username, PASSWORD)
    lead.goto(f"{base}/cases/{case.pk}/")
    lead.click("#accept-case")
    lead.wait_for_selector("#co-pending")
    assert "县交通运输局" in lead.inner_text("#co-pending")

    # the co-department's handler, on a phone, gives its input
    co = phone_page
    login(co, base, depts.t1.username, PASSWORD)
    co.goto(f"{base}/cases/{case.pk}/")
    co.fill(".co-input-form textarea[name=text]", INPUT)
    co.click(".co-input-form button[type=submit]")
    co.wait_for_selector("#co-inputs .co-submitted")
    assert co.locator(".co-input-form").count() == 0
    assert co.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    assert CoInput.objects.get(case=case).text == INPUT

    # the lead department reads it and replies
    lead.reload()
    assert INPUT in lead.inner_text("#co-inputs")
    assert lead.locator("#co-pending").count() == 0
    lead.fill("#reply-form textarea[name=reply]", REPLY)
    lead.click("#reply-form button[type=submit]")
    lead.wait_for_selector("#case-reply")

    # the public statement page shows the cooperation, not the internal text
    co.goto(f"{base}/cases/incidents/{case.number}/")
    public = co.inner_text("main")
    assert "县交通运输局" in public and INPUT not in public
    lead_ctx.close()
