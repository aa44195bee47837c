"""First impressions: every page of the demo looks complete on first start — no broken image on
the portal (its pages reached by following links from the home page) nor on the pages each demo
login lands on."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from dangjian.demo.actions import DEMO_PASSWORD, do_seed_demo
from dangjian.testing.browser import DESKTOP_VIEWPORT, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_PORTAL_PAGES = 25
BROKEN = """Array.from(document.images)
  .filter(img => img.complete && img.naturalWidth === 0 && (img.currentSrc || img.src))
  .map(img => img.currentSrc || img.src)"""


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_SERVE = True  # the embedded mode of `make run`
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    return do_seed_demo("small", seed=7)


def images_of(page) -> tuple[int, list[str]]:
    page.wait_for_load_state("networkidle")
    return page.evaluate("document.images.length"), page.evaluate(BROKEN)


def test_no_broken_image_on_the_demo_portal(demo, live_server, browser_page, tmp_path):
    page = browser_page
    base = live_server.url
    failed: list[tuple[str, int]] = []
    page.on("response", lambda r: failed.append((r.url, r.status))
            if r.request.resource_type == "image" and r.status >= 400 else None)
    queue, seen, shown, broken = ["/", "/portal/"], set(), 0, {}
    while queue and len(seen) < MAX_PORTAL_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        page.goto(base + path)
        count, bad = images_of(page)
        shown += count
        if bad:
            broken[path] = bad
        for href in page.eval_on_selector_all("main a[href^='/portal/']", "els => els.map(e => e.getAttribute('href'))"):
            target = urlsplit(href).path
            if target not in seen:
                queue.append(target)
    assert shown >= 3, "the demo portal shows images on its pages"
    assert len(seen) >= 5
    assert not broken and not failed, (
        f"broken images: {broken}; image requests that failed: {failed}; "
        f"rendition files on disk: {sorted(p.name for p in (tmp_path / 'images').glob('*'))}")


#: Each demo login and the pages it lands on; one seeded county serves them all (seeding is the
#: expensive part), each login in its own browser context.
LANDINGS = [
    ("demo-admin", ["/", "/todos/", "/orgs/", "/members/"]),
    ("demo-secretary", ["/", "/dues/manage/ledger/", "/orglife/"]),
    ("demo-member", ["/me/"]),
    ("demo-handler", ["/", "/cases/"]),
    ("demo-editor", ["/"]),
]


def test_no_broken_image_where_each_demo_login_lands(demo, live_server, chromium):
    broken: dict[str, list[str]] = {}
    for username, pages in LANDINGS:
        context = chromium.new_context(viewport=DESKTOP_VIEWPORT, locale="zh-CN")
        try:
            page = context.new_page()
            page.set_default_timeout(10_000)
            login(page, live_server.url, username, DEMO_PASSWORD)
            for path in pages:
                response = page.goto(live_server.url + path)
                assert response is not None and response.status == 200, (username, path)
                count, bad = images_of(page)
                if bad:
                    broken[f"{username} {path}"] = bad
        finally:
            context.close()
    assert not broken, f"broken images: {broken}"
