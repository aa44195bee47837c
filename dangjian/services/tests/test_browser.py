"""In Chromium at 360×640: a member applies for a proof of party membership, the two steps sign,
and the member downloads the PDF, whose QR code leads to the verification page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dangjian.services import State
from dangjian.services.actions import do_appoint_grid_worker, do_sign_step, do_submit_application
from dangjian.services.models import Application
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 640}


def test_member_applies_for_a_proof_and_downloads_the_pdf(live_server: Any, chromium: Any, tmp_path: Path,
                                                           tree: Any, users: Any, sv: Any) -> None:
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN",
                                   accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        login(page, live_server.url, users.member.username, PASSWORD)
        page.goto(f"{live_server.url}/services/")
        page.click(f"#matter-list a[href='/services/apply/{sv.proof.pk}/']")
        page.wait_for_selector("#apply-form")
        assert page.input_value("#id_name") == tree.alice.person.name  # filled in, not typed
        page.click("#submit-application")  # the purpose is missing: the page says so, nothing stored
        page.wait_for_selector(".field-error")
        assert not Application.objects.exists()
        page.select_option("#id_purpose", "政审")
        page.click("#submit-application")
        page.wait_for_selector("#chain")
        app = Application.objects.get()
        assert page.text_content("#application-state").strip() == State(State.SUBMITTED).label
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        do_sign_step(app, "approve", acting_user=users.secretary)
        do_sign_step(app, "approve", acting_user=users.admin)
        page.reload()
        page.wait_for_selector("#download-document")
        with page.expect_download() as info:
            page.click("#download-document")
        target = tmp_path / "proof.pdf"
        info.value.save_as(target)
        assert target.read_bytes().startswith(b"%PDF")
        page.click("#document a[href^='/services/verify/']")
        page.wait_for_selector("#verdict")
        assert app.number in page.text_content("#fact-number")
        assert tree.alice.person.name not in page.content()
        assert problems == []
    finally:
        context.close()


def test_grid_worker_handles_a_community_request(live_server: Any, chromium: Any, users: Any,
                                                 grid_service: Any, root_user: Any) -> None:
    """A grid worker (appointed, no role of their own) finds the request on their grid's phone
    page and resolves it."""
    worker = make_user("grid-wang", None, None, acting_user=root_user)
    do_appoint_grid_worker(grid_service.grid, worker, acting_user=grid_service.town_b)
    app = do_submit_application(grid_service.matter, {"what": "小区路灯不亮"}, organization=grid_service.grid.pk,
                                acting_user=users.public)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        login(page, live_server.url, worker.username, PASSWORD)
        page.goto(f"{live_server.url}/services/grid/")
        assert grid_service.grid.name in page.text_content("#my-grids")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        page.click(f"#grid-requests a[href='/services/a/{app.public_id}/']")
        page.wait_for_selector("#decide-form")
        assert "小区路灯不亮" in page.text_content("#application-data")
        page.fill("#decide-reason", "已联系物业，当晚修复")
        page.click("#approve")
        page.wait_for_selector("#application-state")
        app.refresh_from_db()
        assert app.state == State.APPROVED
        assert page.text_content("#application-state").strip() == State(State.APPROVED).label
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        page.goto(f"{live_server.url}/services/grid/")
        page.wait_for_selector("#no-grid-requests")  # resolved: nothing open in the grid
        assert problems == []
    finally:
        context.close()
