"""The page shell in a real browser: sign in, language switch, phone width, large text, PWA."""

from __future__ import annotations

import pytest

from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # Serve static files from the source tree (the manifest storage needs collectstatic).
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert viewport == 360
    assert width <= 360, f"page is {width}px wide at a 360px viewport"


def test_sign_in_through_the_form_shows_workbench(browser_page, live_server, users):
    page = browser_page
    errors = csp_errors(page)
    login(page, live_server.url, users.secretary.username, PASSWORD)
    assert page.url.rstrip("/") == live_server.url
    assert page.locator(".stat-card").count() >= 2  # members, organizations, then the modules' figures
    assert page.locator(".stat-card .stat-value").first.inner_text() == "2"  # alice, bob
    # The stylesheet and htmx loaded from /static/ (and nothing broke the CSP).
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") == "rgb(181, 18, 27)"
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'].length") > 20
    assert errors == []


def test_language_switch(browser_page, live_server, db):
    page = browser_page
    page.goto(live_server.url + "/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert page.get_attribute("a[data-lang=zh-hans]", "aria-current") == "true"
    page.click("a[data-lang=en]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_attribute("a[data-lang=en]", "aria-current") == "true"
    assert page.get_attribute("a[data-lang=zh-hans]", "aria-current") is None
    # Remembered on the next page without ?lang=.
    page.goto(live_server.url + "/offline/")
    assert page.get_attribute("html", "lang") == "en"
    page.click("a[data-lang=zh-hans]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-hans"


def test_phone_workbench_fits_and_nav_is_usable(phone_page, live_server, users):
    page = phone_page
    login(page, live_server.url, users.admin.username, PASSWORD)
    no_horizontal_scroll(page)
    # The side bar is folded away on a phone: a bottom bar of finger-sized links instead.
    assert not page.locator("#nav-sheet").is_visible()
    links = page.locator(".bottom-bar a")
    assert 3 <= links.count() <= 5
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert box["height"] >= 44  # a finger-sized target
    # "More" opens the sheet with every group; its links are finger-sized too.
    page.click(".bottom-bar .bar-more")
    sheet = page.locator("#nav-sheet")
    assert sheet.is_visible()
    for i in range(sheet.locator("a").count()):
        box = sheet.locator("a").nth(i).bounding_box()
        if box is not None and box["height"]:
            assert box["height"] >= 44
    page.click("#nav-sheet a[href='/me/preferences/']")
    page.wait_for_load_state()
    assert page.url.endswith("/me/preferences/")
    no_horizontal_scroll(page)


def test_phone_member_home_fits(phone_page, live_server, users, tree):
    page = phone_page
    login(page, live_server.url, users.member.username, PASSWORD)
    assert page.url.endswith("/me/")
    assert page.locator("[data-field=id_number]").inner_text() == tree.alice.person.id_number_masked
    no_horizontal_scroll(page)
    page.click("#large-font-toggle")
    page.wait_for_load_state()
    no_horizontal_scroll(page)


def test_large_font_toggle_changes_font_size(browser_page, live_server, db):
    page = browser_page
    page.goto(live_server.url + "/")
    size = "parseFloat(getComputedStyle(document.body).fontSize)"
    assert page.evaluate(size) == 16
    assert page.get_attribute("#large-font-toggle", "aria-pressed") == "false"
    page.click("#large-font-toggle")
    page.wait_for_load_state()
    assert page.evaluate(size) == 20
    assert page.get_attribute("#large-font-toggle", "aria-pressed") == "true"
    page.goto(live_server.url + "/offline/")
    assert page.evaluate(size) == 20  # the cookie keeps it
    page.click("#large-font-toggle")
    page.wait_for_load_state()
    assert page.evaluate(size) == 16


def test_service_worker_registers_and_skip_link_works(browser_page, live_server, db):
    page = browser_page
    errors = csp_errors(page)
    page.goto(live_server.url + "/")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == live_server.url + "/"
    # The skip link is the first thing the keyboard reaches, and it moves focus to <main>.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert errors == []


def test_offline_page_served_by_service_worker(browser_page, live_server, db):
    page = browser_page
    page.goto(live_server.url + "/")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now controlled by the worker
    assert page.evaluate("!!navigator.serviceWorker.controller")
    page.context.set_offline(True)
    try:
        page.goto(live_server.url + "/never-visited/")
        assert page.evaluate("location.pathname") == "/never-visited/"
        assert page.locator("a.button-primary[href='/']").count() == 1  # the offline page's "try again"
        page.goto(live_server.url + "/")  # seen before: from the page cache
        assert page.locator("a[href='/accounts/login/']").count() >= 1
    finally:
        page.context.set_offline(False)
