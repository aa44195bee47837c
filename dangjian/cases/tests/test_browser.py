"""The main journey: a citizen on a phone sends an opinion with a photo and follows it by number;
staff assign it; the department accepts and replies; the citizen rates the answer; the supervision
board turns red once the deadline has passed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.cases.models import Case
from dangjian.opinions.models import Opinion
from dangjian.opinions.tests.helpers import PHONE, PNG
from dangjian.testing.browser import DESKTOP_VIEWPORT, login
from dangjian.testing.fixtures import PASSWORD

REPLY = "已安排维修人员修补村口道路坑洼，预计三天内完工。"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_opinion_to_case_journey(phone_page: Any, chromium: Any, live_server: Any, tree: Any, users: Any,
                                 depts: Any, tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    base = live_server.url
    photo = tmp_path / "pothole.png"
    photo.write_bytes(PNG)

    # 1. the citizen, on a phone, sends an opinion with a photo
    citizen = phone_page
    citizen.goto(f"{base}/opinions/new/")
    citizen.check("input[name=kind][value=complaint]")
    citizen.fill("input[name=title]", "村口道路有坑")
    citizen.fill("textarea[name=body]", "甲镇一村村口的道路有一个大坑，雨天很危险。")
    citizen.select_option("select[name=place]", str(tree.town_a.pk))
    citizen.fill("input[name=phone]", PHONE)
    citizen.check("input[name=is_public][value='1']")
    citizen.set_input_files("input[name=photos]", str(photo))
    citizen.click("main button[type=submit]")
    citizen.wait_for_url("**/opinions/new/done/")
    tracking_no = citizen.inner_text("#tracking-no").strip()
    opinion = Opinion.objects.get(tracking_no=tracking_no)

    # 2. the organization department assigns it to the housing bureau
    staff_ctx = chromium.new_context(viewport=DESKTOP_VIEWPORT, locale="zh-CN")
    staff = staff_ctx.new_page()
    staff.set_default_timeout(10_000)
    login(staff, base, users.admin.username, PASSWORD)
    staff.goto(f"{base}/opinions/staff/")
    staff.click(f"text={tracking_no}")
    staff.select_option("#assign-form select[name=lead_department]", str(depts.housing.pk))
    staff.click("#assign-form button[type=submit]")
    staff.wait_for_selector("#opinion-case")
    case = Case.objects.get(opinions=opinion)
    assert case.lead_department == depts.housing

    # the board is green while the case is in time …
    staff.goto(f"{base}/cases/board/")
    row = f"#board li[data-department='{depts.housing.pk}']"
    assert staff.get_attribute(row, "data-colour") == "green"
    # … and red once the deadline has passed (time moved past the deadline)
    Case.objects.filter(pk=case.pk).update(deadline=dt.date.today() - dt.timedelta(days=3))
    staff.reload()
    assert staff.get_attribute(row, "data-colour") == "red"
    assert "1" in staff.inner_text(row)

    # 3. the department accepts and replies
    dept_ctx = chromium.new_context(viewport=DESKTOP_VIEWPORT, locale="zh-CN")
    dept = dept_ctx.new_page()
    dept.set_default_timeout(10_000)
    login(dept, base, depts.h1.username, PASSWORD)
    dept.goto(f"{base}/cases/")
    dept.click(f"text={case.number}")
    dept.click("#accept-case")
    dept.wait_for_selector("#reply-form")
    dept.fill("#reply-form textarea[name=reply]", REPLY)
    dept.click("#reply-form button[type=submit]")
    dept.wait_for_selector("#case-reply")
    assert REPLY in dept.inner_text("#case-reply")

    # 4. the citizen follows it by number and rates the answer
    citizen.goto(f"{base}/opinions/track/?no={tracking_no}")
    citizen.fill("input[name=phone]", PHONE)
    citizen.click("main form:not(#rate-form) button[type=submit]")
    citizen.wait_for_selector("#opinion-answer")
    assert REPLY in citizen.inner_text("#opinion-answer")
    citizen.check("#rate-form input[name=rating][value=satisfied]")
    citizen.click("#rate-submit")
    citizen.wait_for_selector("#opinion-rating")
    assert citizen.locator("#rate-form").count() == 0
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360 + 1
    case.refresh_from_db()
    assert case.state == "rated" and case.rating == "satisfied"

    # the board is green again: nothing open
    staff.reload()
    assert staff.get_attribute(row, "data-colour") == "green"
    staff_ctx.close()
    dept_ctx.close()
