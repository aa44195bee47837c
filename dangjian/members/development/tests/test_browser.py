"""Browser: an applicant taken from application to full member, the clock moved between steps.
The secretary opens the file and records the talk on the pages; the committee above approves
admission and full membership on the pages; the steps in between go through the actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.members import MemberStatus
from dangjian.members.development.models import ApplicantFile
from dangjian.members.development.tests.helpers import advance
from dangjian.members.models import Member
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

APPLIED = dt.date(2023, 6, 5)


def _logout(page: Any) -> None:
    page.context.clear_cookies()


def _record_on_page(page: Any, base: str, f: ApplicantFile, day: dt.date, extra: dict[str, str] | None = None) -> None:
    page.goto(f"{base}/development/{f.pk}/")
    page.click("#record-step")
    page.wait_for_selector("#step-form")
    page.fill("input[name=date]", day.isoformat())
    for name, value in (extra or {}).items():
        page.fill(f"[name={name}]", value)
    with page.expect_navigation():
        page.click("#step-form button[type=submit]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_applicant_to_full_member(browser_page: Any, live_server: Any, tree: Any, users: Any, clock: Any,
                                  settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    page, base = browser_page, live_server.url
    clock.set(APPLIED)

    # Secretary opens the file (step 1) on the page.
    login(page, base, users.secretary.username, PASSWORD)
    page.goto(f"{base}/development/new/")
    page.fill("input[name=name]", "钱小红")
    page.fill("input[name=applied_on]", APPLIED.isoformat())
    page.fill("input[name=birth_date]", "1998-02-28")
    page.fill("input[name=phone]", "13900001111")
    with page.expect_navigation():
        page.click("#file-form button[type=submit]")
    f = ApplicantFile.objects.get()
    assert page.url.endswith(f"/development/{f.pk}/")
    assert page.inner_text("#file-step") == "1"

    # Step 2 on the page, 10 days later (the clock moves; sign in again).
    clock.set(APPLIED + dt.timedelta(days=10))
    _logout(page)
    login(page, base, users.secretary.username, PASSWORD)
    _record_on_page(page, base, f, clock.today, {"names": "王书记"})
    assert page.inner_text("#file-step") == "2"
    assert "王书记" in page.inner_text("#timeline")

    # Steps 3–16 through the actions (over a year as activist, public notice, assembly vote).
    f = advance(f, 16, tree, users, clock)

    # The committee above approves admission on the page: a probationary member appears.
    day = clock.today + dt.timedelta(days=20)
    clock.set(day)
    _logout(page)
    login(page, base, users.organizer.username, PASSWORD)
    _record_on_page(page, base, f, day, {"names": "甲镇党委"})
    assert page.inner_text("#file-step") == "17"
    f.refresh_from_db()
    assert f.member_id is not None
    member = Member.objects.get(pk=f.member_id)
    assert member.status == MemberStatus.PROBATIONARY and member.join_date == f.assembly_on

    # Probation (steps 18–23) through the actions; the vote only after a full year.
    f = advance(f, 23, tree, users, clock)
    assert clock.today >= f.probation_ends_on  # type: ignore[operator]

    # Full membership approved on the page by the county administrator (may change status).
    day = clock.today + dt.timedelta(days=5)
    clock.set(day)
    _logout(page)
    login(page, base, users.admin.username, PASSWORD)
    _record_on_page(page, base, f, day, {"names": "县委组织部"})
    member.refresh_from_db()
    assert member.status == MemberStatus.FULL and member.full_date == f.probation_ends_on

    # The branch archives the files (step 25): the file is finished.
    _logout(page)
    login(page, base, users.secretary.username, PASSWORD)
    _record_on_page(page, base, f, day)
    assert page.inner_text("#file-step") == "25"
    assert page.inner_text("#file-status") in ("正式党员", "Full member")
    assert page.locator("#record-step").count() == 0
