"""The overview screen in a real browser: a county administrator opens the 大屏 on a wall display
(1920×1080), the ECharts charts render under our CSP (no console error, no violation), a click on
a figure and on a bar lands on the list behind it whose length is the figure; the screen refreshes
itself without reloading; on a phone (360×640) it is stacked and nothing scrolls sideways."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from dangjian.core import stats
from dangjian.stats.tests.screen_figures import FIGURES, screen_figures  # noqa: F401 - fixture
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD, make_member
from dangjian.testing.journeys import horizontal_overflow, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("screen_figures")]

WALL = {"width": 1920, "height": 1080}
PHONE = {"width": 360, "height": 640}


@pytest.fixture(autouse=True)
def _plain_static_storage(settings: Any) -> None:
    # Serve static files from the source tree (the manifest storage needs collectstatic).
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def _page(chromium: Any, viewport: dict[str, int], *, phone: bool = False) -> Iterator[Any]:
    context = chromium.new_context(viewport=viewport, is_mobile=phone, has_touch=phone, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def wall_page(chromium: Any) -> Iterator[Any]:
    yield from _page(chromium, WALL)


@pytest.fixture
def small_phone_page(chromium: Any) -> Iterator[Any]:
    yield from _page(chromium, PHONE, phone=True)


def _problems(page: Any) -> list[str]:
    """Console errors (a CSP violation is one), uncaught exceptions and failed requests."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("requestfailed", lambda req: problems.append(f"request failed: {req.url}"))
    return problems


def _open_screen(page: Any, base: str, username: str) -> None:
    login(page, base, username, PASSWORD)
    page.goto(f"{base}/stats/screen/")
    page.wait_for_selector("body.charts-ready")
    # (functions, not expressions: a string predicate is evaluated with eval, which our CSP forbids)
    page.wait_for_function("() => document.querySelectorAll('.screen-chart').length === "
                           "document.querySelectorAll('.screen-chart.is-drawn canvas').length")


def _records_total(page: Any) -> int:
    page.wait_for_selector("#records-total")
    match = re.search(r"\d+", page.inner_text("#records-total").replace(",", ""))
    assert match is not None
    return int(match.group())


def _bar_point(page: Any, figure: str, name: str) -> dict[str, float]:
    """Where, on the page, the middle of the bar of ``name`` is in the figure's bars per child."""
    return page.evaluate("""([figure, name]) => {
        const box = document.querySelector(`.screen-chart[data-kind="bar_children"][data-figure="${figure}"] .chart`);
        const chart = echarts.getInstanceByDom(box);
        const item = chart.getOption().series[0].data.find(d => d.name === name);
        const [x, y] = chart.convertToPixel({seriesIndex: 0}, [item.value / 2, name]);
        const r = box.getBoundingClientRect();
        return {x: r.left + x, y: r.top + y};
    }""", [figure, name])


def test_county_admin_opens_the_wall_screen_and_drills_to_the_lists(wall_page, live_server, users, tree):
    page = wall_page
    problems = _problems(page)
    _open_screen(page, live_server.url, users.admin.username)
    today = timezone.localdate()
    members = stats.get_figure("members.total")
    assert members is not None and members not in FIGURES  # the members module's own figure (membership history)
    assert page.locator(".screen-chart").count() >= 3
    assert page.locator(".screen-number").count() >= 3
    assert horizontal_overflow(page) == 0
    # Large type on the wall: the key figures are big.
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.screen-value')).fontSize)") >= 48

    # A bar (town A's members): hover shows the tooltip, a click opens the members behind the bar.
    point = _bar_point(page, "members.total", tree.town_a.name)
    page.mouse.move(point["x"], point["y"])
    page.wait_for_timeout(300)
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url(re.compile(r"/stats/records/members\.total/"))
    assert f"f_child={tree.town_a.path}" in page.url
    assert _records_total(page) == stats.figure_value(members, tree.county.path, today, {"child": tree.town_a.path}) == 3

    # The big number: the whole county's members.
    page.go_back()
    page.wait_for_selector("body.charts-ready")
    page.click('.screen-number[data-figure="members.total"] a.screen-value')
    page.wait_for_url(re.compile(r"/stats/records/members\.total/"))
    assert _records_total(page) == stats.figure_value(members, tree.county.path, today) == 4
    assert problems == []


def test_the_screen_refreshes_itself_without_reloading(wall_page, live_server, users, tree, root_user):
    page = wall_page
    problems = _problems(page)
    page.clock.install()
    _open_screen(page, live_server.url, users.admin.username)
    number = '.screen-number[data-figure="members.total"] [data-value]'
    assert page.inner_text(number) == "4"
    page.evaluate("window.__same_document = true")
    make_member(tree.branch_b1, "钱新", acting_user=root_user)
    cache.clear()  # as if the minute the values are kept had passed
    page.clock.run_for(61_000)
    page.wait_for_function("(sel) => document.querySelector(sel).textContent === '5'", arg=number)
    assert page.evaluate("window.__same_document") is True  # no reload
    assert page.get_attribute("body", "data-refreshed")
    assert problems == []


def test_phone_stacks_the_screen_without_sideways_scroll(small_phone_page, live_server, users, tree):
    page = small_phone_page
    problems = _problems(page)
    _open_screen(page, live_server.url, users.admin.username)
    assert horizontal_overflow(page) == 0
    boxes = [page.locator(".screen-chart").nth(i).bounding_box() for i in range(page.locator(".screen-chart").count())]
    assert boxes and all(b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] for b in boxes)
    assert all(b["height"] >= 240 for b in boxes)
    xs = {round(b["x"]) for b in boxes}
    assert len(xs) == 1  # one column: stacked
    assert page.evaluate("parseFloat(getComputedStyle(document.querySelector('.screen-value')).fontSize)") >= 24
    assert serious_axe_violations(page) == []
    assert problems == []


def test_publicity_officer_sees_charts_without_links(wall_page, live_server, users, tree):
    page = wall_page
    problems = _problems(page)
    _open_screen(page, live_server.url, users.publicity.username)
    assert page.locator('.screen-number[data-figure="members.total"] a').count() == 0
    assert page.locator('.screen-chart[data-figure="members.total"] .chart-items a').count() == 0
    point = _bar_point(page, "members.total", tree.branch_a1.name)
    page.mouse.click(point["x"], point["y"])
    page.wait_for_timeout(500)
    assert page.url.endswith("/stats/screen/")  # a bar without a list goes nowhere
    assert problems == []
