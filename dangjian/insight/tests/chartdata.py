"""A stored run for the chart tests (rows as a run stores them; no pipeline): see ``county_run``
in conftest.py."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from dangjian.insight.models import Run, RunState, TextAnalysis, Topic

TZ = timezone.get_default_timezone()
MONDAY = dt.datetime(2026, 9, 7, 10, 0, tzinfo=TZ)  # a Monday


def make_run(org: Any, *, finished: dt.datetime | None = None) -> Run:
    return Run.objects.create(organization=org, org_path=org.path, state=RunState.DONE,
                              finished_at=finished or MONDAY + dt.timedelta(days=30), progress=100)


def add_text(run: Run, n: int, org: Any, topic: Topic | None, when: dt.datetime, *, category: str = "roads",
             place: str = "", sentiment: str = "neg", text: str = "") -> TextAnalysis:
    return TextAnalysis.objects.create(
        run=run, key=f"eval:{n}", source="eval", source_id=n, org_path=org.path, text=text or f"文本{n}",
        place=place or org.name, category=category, created_at=when, topic=topic, sentiment=sentiment,
        text_hash=str(n))


def build_county_run(tree: Any) -> SimpleNamespace:
    """A county run: lamps (12 texts over three weeks, branch a1/a2/b1 and town A itself), roads
    (6 texts in b1) and "lamps at night" merged into lamps (2 texts), 2 unassigned texts."""
    run = make_run(tree.county)
    lamps = Topic.objects.create(run=run, number=0, label="路灯", auto_label="路灯", size=14, pain=9.0)
    roads = Topic.objects.create(run=run, number=1, label="=道路+1", auto_label="道路", size=6, pain=4.0)
    night = Topic.objects.create(run=run, number=2, label="夜间", auto_label="夜间", size=2, pain=1.0,
                                 merged_into=lamps)
    n = iter(range(1, 1000))
    plan = [  # (org, topic, week, category, sentiment, how many)
        (tree.branch_a1, lamps, 0, "streetlight", "neg", 4), (tree.branch_a1, lamps, 1, "streetlight", "neu", 2),
        (tree.branch_a2, lamps, 2, "streetlight", "neg", 3), (tree.branch_b1, lamps, 2, "streetlight", "pos", 2),
        (tree.town_a, lamps, 1, "streetlight", "neg", 1), (tree.branch_b1, roads, 1, "roads", "neg", 6),
        (tree.branch_a1, night, 2, "streetlight", "neg", 2), (tree.branch_a2, None, 0, "", "neu", 2),
    ]
    for org, topic, week, category, sentiment, count in plan:
        for i in range(count):
            add_text(run, next(n), org, topic, MONDAY + dt.timedelta(days=7 * week, hours=i), category=category,
                     sentiment=sentiment)
    return SimpleNamespace(run=run, lamps=lamps, roads=roads, night=night)
