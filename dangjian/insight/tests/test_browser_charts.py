"""The analyst's charts on a phone (360×640): from the dashboard to the charts page, the heat
map is drawn; a click on one of its cells opens that place's texts of that topic; a click on a
hot spot's sparkline opens the topic's texts; a row's name moves the map one level down."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD


def _click_cell(page: Any, column: int, row: int) -> None:
    """Click the heat map's cell (column, row) where ECharts drew it."""
    x, y = page.evaluate(
        """([c, r]) => { const el = document.getElementById('insight-heat');
            return window.echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [c, r]); }""",
        [column, row])
    box = page.locator("#insight-heat").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_analyst_drills_from_the_charts_to_the_texts(chromium: Any, live_server: Any, tree: Any, users: Any,
                                                     county_run: Any, tmp_path: Any) -> None:
    context = chromium.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                                   locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = live_server.url
    login(page, base, users.admin.username, PASSWORD)

    page.goto(f"{base}/insight/")
    page.click("#charts-link")
    page.wait_for_selector("#insight-heat canvas")  # the heat map was drawn
    page.wait_for_selector(".insight-spark canvas")
    page.screenshot(path=str(tmp_path / "charts.png"), full_page=True)
    page.locator("#insight-heat").scroll_into_view_if_needed()
    _click_cell(page, 0, 0)  # town A × lamps (the biggest topic)
    page.wait_for_selector("#filtered-texts")
    query = parse_qs(urlparse(page.url).query)
    assert query == {"topic": [str(county_run.lamps.pk)], "org": [str(tree.town_a.pk)]}
    assert page.locator("#filtered-texts li").count() == 12
    assert county_run.lamps.label in page.inner_text("#text-filters")

    page.go_back()
    page.wait_for_selector(".insight-spark canvas")
    spark = page.locator(".insight-spark").nth(1)  # roads
    spark.scroll_into_view_if_needed()
    spark.click()
    page.wait_for_selector("#filtered-texts")
    assert parse_qs(urlparse(page.url).query) == {"topic": [str(county_run.roads.pk)]}
    assert page.locator("#filtered-texts li").count() == 6

    page.goto(f"{base}/insight/charts/")
    page.click(f"#heat-drill a[href='?org={tree.town_a.pk}']")
    page.wait_for_selector("#insight-heat canvas")
    assert f"org={tree.town_a.pk}" in page.url
    assert "#" not in page.inner_text("#h-heat")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_run_list_shows_progress_without_reloading(chromium: Any, live_server: Any, tree: Any, users: Any) -> None:
    from dangjian.insight.models import Run, RunState

    run = Run.objects.create(organization=tree.county, org_path=tree.county.path, state=RunState.RUNNING,
                             progress=10)
    context = chromium.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                                   locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = live_server.url
    login(page, base, users.admin.username, PASSWORD)
    page.goto(f"{base}/insight/runs/")
    row = f"#run-{run.pk}"
    assert page.inner_text(f"{row} .run-percent") == "10%"
    page.evaluate("window.__same_page = true")  # gone if the page were reloaded
    Run.objects.filter(pk=run.pk).update(progress=70)
    page.wait_for_selector(f"{row} .run-percent:text-is('70%')")
    Run.objects.filter(pk=run.pk).update(progress=100, state=RunState.DONE, text_count=42)
    page.wait_for_selector(f"{row}[data-state=done] .run-diff:not([hidden])")
    assert page.inner_text(f"{row} .run-texts") == "42"
    assert page.evaluate("window.__same_page") is True
    assert page.get_attribute(row, "data-progress-url") is None  # polling stopped
    context.close()
