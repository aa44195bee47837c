"""The analyst's journey on a phone (360×640): open the dashboard, drill from the biggest hot spot
to its texts (personal data masked), rename it, merge another topic into it, write the conclusion,
publish the briefing, open its PDF and the public page."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.insight.actions import do_start_run
from dangjian.insight.models import Briefing, Run, RunState, Topic
from dangjian.testing.browser import login
from dangjian.testing.fixtures import PASSWORD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_analyst_publishes_a_briefing(chromium: Any, live_server: Any, tree: Any, users: Any, eval_source: Any,
                                      tmp_path: Any, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    do_start_run(tree.county, acting_user=users.admin)  # runs on commit (immediate task backend in tests)
    run = Run.objects.get()
    assert run.state == RunState.DONE
    context = chromium.new_context(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                                   locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    base = live_server.url
    login(page, base, users.admin.username, PASSWORD)

    page.goto(f"{base}/insight/")
    page.wait_for_selector("#insight-chart canvas")  # the chart was drawn
    top = run.topics.order_by("-pain", "number")[0]
    page.click(f"#hot-spots a[href$='/topics/{top.pk}/']")
    page.wait_for_selector("#topic-texts")
    assert page.locator("#topic-texts li").count() >= 3
    assert "13912345678" not in page.content()

    page.fill("#topic-label", "夜间照明")
    page.click("#rename-topic button[type=submit]")
    page.wait_for_selector("h1:has-text('夜间照明')")
    other = run.topics.exclude(pk=top.pk).order_by("number")[0]
    page.select_option("#merge-with", [str(other.pk)])
    page.click("#merge-topics button[type=submit]")
    page.wait_for_selector(f"#merge-with:not(:has(option[value='{other.pk}']))", state="attached")
    assert Topic.objects.get(pk=other.pk).merged_into_id == top.pk
    page.fill("#topic-conclusion-input", "夜间照明问题集中，建议城管局一周内排查。")
    page.click("#review-topic button[type=submit]")
    page.wait_for_selector("#topic-conclusion")

    page.goto(f"{base}/insight/briefings/")
    assert "夜间照明" in page.inner_text("#publish-briefing")
    page.fill("#briefing-title", "本月民情简报")
    page.check("#publish-briefing input[name=public]")
    page.click("#publish-briefing button[type=submit]")
    page.wait_for_selector("#briefing-findings")
    briefing = Briefing.objects.get()
    assert [f["label"] for f in briefing.findings] == ["夜间照明"]
    assert "建议城管局一周内排查" in page.inner_text("#briefing-findings")
    pdf = page.request.get(f"{base}{page.get_attribute('#briefing-pdf', 'href')}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")
    page.click("#briefing-public")
    page.wait_for_selector("#briefing-findings")
    assert "夜间照明" in page.inner_text("#briefing-findings")
    context.close()
