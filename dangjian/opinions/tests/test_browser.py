from __future__ import annotations

from typing import Any

import pytest

from dangjian.opinions.models import Opinion
from dangjian.opinions.tests.helpers import PHONE, PNG


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_citizen_on_phone_submits_with_photo_and_follows_it(phone_page: Any, live_server: Any, tree: Any,
                                                           tmp_path: Any) -> None:
    photo = tmp_path / "pothole.png"
    photo.write_bytes(PNG)
    page = phone_page
    page.goto(f"{live_server.url}/opinions/new/")
    page.check("input[name=kind][value=complaint]")
    page.fill("input[name=title]", "村口道路有坑")
    page.fill("textarea[name=body]", "甲镇一村村口的道路有一个大坑，雨天很危险。")
    page.select_option("select[name=place]", str(tree.town_a.pk))
    page.fill("input[name=name]", "王小明")
    page.fill("input[name=phone]", PHONE)
    page.check("input[name=is_public][value='1']")
    page.set_input_files("input[name=photos]", str(photo))
    page.click("main button[type=submit]")
    page.wait_for_url("**/opinions/new/done/")
    tracking_no = page.inner_text("#tracking-no").strip()
    opinion = Opinion.objects.get()
    assert tracking_no == opinion.tracking_no
    assert opinion.photos.count() == 1 and opinion.kind == "complaint"

    with page.expect_navigation():
        page.click("#follow-opinion")
    assert "/opinions/track/" in page.url
    assert page.input_value("input[name=tracking_no]") == tracking_no
    page.fill("input[name=phone]", PHONE)
    page.click("main button[type=submit]")
    page.wait_for_selector("#opinion-status")
    assert "村口道路有坑" in page.inner_text("main")
    assert page.locator(".timeline li").count() == 1
    # no horizontal scrolling on a 360 px phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1
