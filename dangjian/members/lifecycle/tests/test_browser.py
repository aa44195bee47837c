"""Browser journey: a secretary issues a floating certificate; the member sees it on the member home."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.members.lifecycle.models import FloatingCertificate
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_secretary_issues_certificate_and_member_sees_it(browser_page: Any, phone_page: Any, live_server: Any,
                                                        tree: Any, people: Any) -> None:
    page = browser_page
    login(page, live_server.url, people.secretary.username, PASSWORD)
    page.goto(f"{live_server.url}/lifecycle/floating/")
    page.click("a[href='/lifecycle/floating/issue/']")
    page.wait_for_url("**/lifecycle/floating/issue/")  # loaded: htmx is ready for the picker's input event
    page.select_option("select[name=member]", str(tree.alice.pk))
    page.fill("input[name=host_org_q]", "社区党")
    option = page.locator(f"input[name=host_org][value='{tree.branch_b1.pk}']")
    option.wait_for()
    option.check()
    page.fill("input[name=host_unit]", "乙镇某工厂")
    page.fill("input[name=reason]", "外出务工")
    page.click("main button.btn-primary[type=submit]")
    page.wait_for_url("**/lifecycle/floating/*/")
    cert = FloatingCertificate.objects.get()
    assert cert.number in page.inner_text("main")
    page.click(f"a[href='/lifecycle/floating/{cert.pk}/print/']")
    page.wait_for_url("**/print/")
    assert page.locator("svg").count() >= 1

    member = phone_page
    login(member, live_server.url, people.member.username, PASSWORD)
    member.goto(f"{live_server.url}/me/")
    text = member.inner_text("main")
    assert cert.number in text and "乙镇社区党支部" in text
