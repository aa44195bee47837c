"""The dashboard's charts: each chart's numbers add up to the per-text rows they count, merged
topics count for the topic they went into, the heat map follows the organization tree one level
at a time and stays inside the analyst's subtree; the drill-down texts page, the charts page,
the Excel and PDF exports, the run-to-run diff page and the progress JSON (bounded queries,
"not found" outside the scope, empty states). Runs are stored as rows (no pipeline needed)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangjian.insight import charts
from dangjian.insight.models import Run, RunState, TextAnalysis, Topic
from dangjian.insight.tests.chartdata import MONDAY, add_text, make_run

pytestmark = pytest.mark.django_db

def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_weekly_charts_add_up_to_the_texts(tree, county_run, django_assert_max_num_queries):
    run = county_run.run
    period = charts.period_of(run)
    assert period is not None and period.weeks == [MONDAY.date() + dt.timedelta(days=7 * i) for i in range(3)]
    total = TextAnalysis.objects.filter(run=run).count()
    with django_assert_max_num_queries(1):
        by_category = charts.volume_by(run, period, "category")
    assert by_category["total"] == total == 22
    sums = {s["name"]: sum(s["data"]) for s in by_category["series"]}
    assert sums == {"streetlight": 14, "roads": 6, "": 2}
    lamp_line = next(s for s in by_category["series"] if s["name"] == "streetlight")["data"]
    assert lamp_line == [4, 3, 7]  # week 0: 4; week 1: 2 + 1; week 2: 3 + 2 + 2
    by_place = charts.volume_by(run, period, "place")
    assert sum(sum(s["data"]) for s in by_place["series"]) == total
    with django_assert_max_num_queries(1):
        sentiment = charts.sentiment_over_time(run, period)
    per = {s["name"]: sum(s["data"]) for s in sentiment["series"]}
    for value in ("neg", "neu", "pos"):
        assert per[value] == TextAnalysis.objects.filter(run=run, sentiment=value).count()
    with django_assert_max_num_queries(1):
        lines = charts.sparklines(run, [county_run.lamps, county_run.roads], period)
    assert sum(lines[county_run.lamps.pk]) == 14  # 12 own + 2 of the topic merged into it
    assert lines[county_run.lamps.pk] == [4, 3, 7]
    assert sum(lines[county_run.roads.pk]) == 6
    # a text a year older: the charts keep the last WEEKS weeks, and count only the texts inside
    add_text(run, 999, tree.branch_a1, None, MONDAY - dt.timedelta(days=365))
    period = charts.period_of(run)
    assert len(period.weeks) == charts.WEEKS and period.weeks[-1] == MONDAY.date() + dt.timedelta(days=14)
    assert charts.volume_by(run, period, "category")["total"] == total


def test_many_categories_add_up_under_other(tree):
    run = make_run(tree.county)
    for i in range(12):
        for k in range(i + 1):
            add_text(run, i * 100 + k, tree.branch_a1, None, MONDAY, category=f"c{i:02d}")
    period = charts.period_of(run)
    data = charts.volume_by(run, period, "category", top=3)
    names = [s["name"] for s in data["series"]]
    assert names == ["c11", "c10", "c09", charts.OTHER]
    assert sum(sum(s["data"]) for s in data["series"]) == data["total"] == sum(range(1, 13))
    assert not data["series"][-1]["drill"]


def test_heat_map_rows_are_the_children_and_add_up(tree, users, county_run, django_assert_max_num_queries):
    run = county_run.run
    topics = [county_run.lamps, county_run.roads]
    with django_assert_max_num_queries(2):
        heat = charts.heatmap(run, tree.county, topics)
    assert [r["name"] for r in heat["rows"]] == [charts._name(tree.town_a), charts._name(tree.town_b)]
    assert all(r["drill"] for r in heat["rows"])
    assert [c["id"] for c in heat["columns"]] == [county_run.lamps.pk, county_run.roads.pk]
    grid = {(heat["rows"][i]["name"], heat["columns"][j]["id"]): v for j, i, v in heat["cells"]}
    assert grid == {(charts._name(tree.town_a), county_run.lamps.pk): 4 + 2 + 3 + 1 + 2,
                    (charts._name(tree.town_b), county_run.lamps.pk): 2, (charts._name(tree.town_b), county_run.roads.pk): 6}
    assert sum(v for *_, v in heat["cells"]) == TextAnalysis.objects.filter(run=run, topic__isnull=False).count()
    # one level down: town A's branches, and town A's own texts as a row without drill-down
    heat = charts.heatmap(run, tree.town_a, topics)
    assert [r["name"] for r in heat["rows"]][1:] == [charts._name(tree.branch_a1), charts._name(tree.branch_a2)]
    assert heat["rows"][0]["id"] is None and not heat["rows"][1]["drill"]
    assert sorted(v for *_, v in heat["cells"]) == [1, 3, 8]
    # the drill-down texts of a cell are the cell's number
    f = charts.parse_filter(users.admin, run, {"topic": str(county_run.lamps.pk), "org": str(tree.branch_a1.pk)})
    assert charts.filtered_texts(f).count() == 8


def test_town_analyst_sees_only_its_subtree(tree, users, county_run, django_assert_max_num_queries):
    town = make_run(tree.town_a)
    topic = Topic.objects.create(run=town, number=0, label="路灯", auto_label="路灯", size=3)
    for i in range(3):
        add_text(town, 500 + i, tree.branch_a2, topic, MONDAY)
    publicity = client_for(users.publicity)  # publicity officer of town A
    page = publicity.get(reverse("insight:charts"))
    assert page.status_code == 200
    data = page.context["data"]
    assert data["run"] == town.pk
    assert [r["name"] for r in data["heat"]["rows"]] == [charts._name(tree.branch_a1), charts._name(tree.branch_a2)]
    assert publicity.get(reverse("insight:charts") + f"?org={tree.town_b.pk}").status_code == 404
    assert publicity.get(reverse("insight:charts") + f"?org={tree.county.pk}").status_code == 404
    assert publicity.get(reverse("insight:texts", args=[county_run.run.pk])).status_code == 404
    assert publicity.get(reverse("insight:texts", args=[town.pk]) + f"?org={tree.branch_b1.pk}").status_code == 404
    assert publicity.get(reverse("insight:texts", args=[town.pk]) + "?topic=" + str(county_run.lamps.pk)).status_code == 404
    assert publicity.get(reverse("insight:run_diff", args=[county_run.run.pk])).status_code == 404
    assert publicity.get(reverse("insight:run_progress", args=[county_run.run.pk])).status_code == 404
    with pytest.raises(Http404):
        charts.org_in_run(users.publicity, town, tree.branch_b1.pk)
    assert client_for(users.member).get(reverse("insight:charts")).status_code == 403


def test_charts_page_and_drill_down(tree, users, county_run, django_assert_max_num_queries):
    c = client_for(users.admin)
    with django_assert_max_num_queries(30) as counted:
        page = c.get(reverse("insight:charts"))
    # more texts, topics and weeks: the same number of queries
    run = county_run.run
    for k in range(30):
        topic = Topic.objects.create(run=run, number=10 + k, label=f"话题{k}", auto_label="x", size=3)
        for i in range(3):
            add_text(run, 2000 + 10 * k + i, tree.branch_b1, topic, MONDAY - dt.timedelta(days=7 * k), category=f"c{k}")
    with django_assert_max_num_queries(len(counted.captured_queries)):
        c.get(reverse("insight:charts"))
    TextAnalysis.objects.filter(run=run, source_id__gte=2000).delete()
    Topic.objects.filter(run=run, number__gte=10).delete()
    body = page.content.decode()
    assert page.status_code == 200 and "insight-charts-data" in body and "insight-heat" in body
    assert f"?org={tree.town_a.pk}" in body  # one level down
    down = c.get(reverse("insight:charts") + f"?org={tree.town_a.pk}")
    assert [r["name"] for r in down.context["data"]["heat"]["rows"]][1:] == [charts._name(tree.branch_a1), charts._name(tree.branch_a2)]
    url = reverse("insight:texts", args=[county_run.run.pk])
    with django_assert_max_num_queries(12) as first:
        c.get(url + f"?topic={county_run.lamps.pk}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        answer = c.get(url + f"?topic={county_run.lamps.pk}&page=1")
    assert answer.context["page"].paginator.count == 14
    week = MONDAY.date() + dt.timedelta(days=14)
    answer = c.get(url + f"?category=streetlight&from={week}&to={week + dt.timedelta(days=6)}")
    assert answer.context["page"].paginator.count == 7
    assert c.get(url + "?sentiment=pos").context["page"].paginator.count == 2
    assert c.get(url + "?category=").context["page"].paginator.count == 2
    assert c.get(url + "?unassigned=1").context["page"].paginator.count == 2
    empty = c.get(url + "?sentiment=pos&category=roads").content.decode()
    assert "texts-empty" in empty
    bad = c.get(url + "?from=yesterday")
    assert bad.status_code == 200 and bad.context["errors"]
    assert c.get(url + "?org=999999").status_code == 404


def test_empty_states(tree, users):
    c = client_for(users.admin)
    assert "charts-empty" in c.get(reverse("insight:charts")).content.decode()
    assert c.get(reverse("insight:dashboard_pdf")).status_code == 302
    run = make_run(tree.county)
    assert "charts-empty" in c.get(reverse("insight:charts")).content.decode()
    assert "diff-empty" in c.get(reverse("insight:run_diff", args=[run.pk])).content.decode()


def test_excel_and_pdf_exports(tree, users, county_run):
    from openpyxl import load_workbook

    c = client_for(users.admin)
    answer = c.get(reverse("insight:topics_xlsx"))
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    assert len(book.sheetnames) >= 6
    heat = book.worksheets[2]
    cells = [cell for row in heat.iter_rows() for cell in row if cell.value == "=道路+1"]
    assert cells and all(cell.data_type == "s" for cell in cells)  # a formula-looking label is text
    values = [[c.value for c in row] for row in heat.iter_rows(min_row=3)]
    assert sum(v for row in values for v in row[1:] if isinstance(v, int)) == 20
    pdf = c.get(reverse("insight:dashboard_pdf") + f"?org={tree.town_a.pk}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_run_diff_page_and_progress(tree, users, county_run):
    before = county_run.run
    after = make_run(tree.county, finished=before.finished_at + dt.timedelta(days=1))
    lamps = Topic.objects.create(run=after, number=0, label="照明", auto_label="照明", size=16)
    water = Topic.objects.create(run=after, number=1, label="供水", auto_label="供水", size=5)
    for t in TextAnalysis.objects.filter(run=before, topic__isnull=False).exclude(topic=county_run.roads):
        add_text(after, t.source_id, tree.branch_a1, lamps, t.created_at)
    for i in range(4):
        add_text(after, 900 + i, tree.branch_a1, lamps, MONDAY)
    for i in range(5):
        add_text(after, 950 + i, tree.branch_b1, water, MONDAY)
    c = client_for(users.admin)
    runs = c.get(reverse("insight:runs")).content.decode()
    assert reverse("insight:run_diff", args=[after.pk]) in runs
    page = c.get(reverse("insight:run_diff", args=[after.pk]))
    kinds = {(r["kind"], r["new_label"]) for r in page.context["rows"]}
    assert ("appeared", "供水") in kinds and ("grew", "照明") in kinds
    assert any(r["kind"] == "faded" and r["old"] == [(county_run.roads.pk, "=道路+1")] for r in page.context["rows"])
    queued = Run.objects.create(organization=tree.county, org_path=tree.county.path, state=RunState.RUNNING,
                                progress=40)
    runs = c.get(reverse("insight:runs")).content.decode()
    assert f'data-progress-url="{reverse("insight:run_progress", args=[queued.pk])}"' in runs
    assert "insight/runs" in runs  # the polling script
    answer = c.get(reverse("insight:run_progress", args=[queued.pk])).json()
    assert answer["progress"] == 40 and answer["state"] == "running" and not answer["done"]


def test_department_timeliness_from_the_statistics_registry(tree, users, county_run):
    """Cases answered late per child organization (of the lead department), read through the
    statistics registry; the bar's texts and the late cases' list are linked."""
    from dangjian.cases.actions import do_assign_case, do_create_department
    from dangjian.cases.models import Case
    from dangjian.cases.sources import CaseSource, get_source, register_source

    if get_source("insight-test") is None:
        register_source(CaseSource(kind="insight-test", label="test",
                                   describe=lambda case: {"label": "T", "url": ""}, on_step=lambda *a: None))
    office = do_create_department({"name": "乙镇综合办", "organization": tree.town_b}, acting_user=users.admin)
    case = do_assign_case(title="路灯不亮", summary="乙镇路灯坏了。", category="complaint", lead_department=office,
                          source_kind="insight-test", source_id=1, acting_user=users.admin)
    Case.objects.filter(pk=case.pk).update(deadline=timezone.localdate() - dt.timedelta(days=3), due_at=None)
    c = client_for(users.admin)
    page = c.get(reverse("insight:charts"))
    rows = {r["id"]: r for r in page.context["data"]["timeliness"]["rows"]}
    assert rows[tree.town_b.pk]["late"] == 1 and rows[tree.town_b.pk]["on_time_rate"] == 0.0
    assert rows[tree.town_a.pk]["late"] == 0 and rows[tree.town_a.pk]["on_time_rate"] is None
    body = page.content.decode()
    assert "timeliness-table" in body and f"cases.late/?org={tree.town_b.pk}" in body
