"""The nightly run's time and scope from settings: the level of the tree it runs for, the crontab
validated at start-up (system checks), no run twice for an organization."""

from __future__ import annotations

import pytest

from dangjian.insight.actions import start_scheduled_runs
from dangjian.insight.models import Run
from dangjian.insight.schedule import check_schedule, nightly_cron


@pytest.mark.django_db
def test_the_nightly_run_covers_the_configured_level(tree, settings):
    settings.INSIGHT_NIGHTLY_LEVEL = 2
    started = start_scheduled_runs()  # the runs stay queued: nothing commits inside the test
    assert sorted(Run.objects.filter(pk__in=started).values_list("organization_id", flat=True)) == sorted(
        [tree.town_a.pk, tree.town_b.pk])
    assert start_scheduled_runs() == []  # queued ones are not started again
    settings.INSIGHT_NIGHTLY_LEVEL = 1
    assert Run.objects.get(pk=start_scheduled_runs()[0]).organization_id == tree.county.pk


def test_the_schedule_is_checked(settings):
    assert check_schedule() == [] and nightly_cron() == "30 2 * * *"
    settings.INSIGHT_NIGHTLY_CRON = "45 1 * * 1-5"
    assert check_schedule() == [] and nightly_cron() == "45 1 * * 1-5"
    settings.INSIGHT_NIGHTLY_CRON = "at night"
    settings.INSIGHT_NIGHTLY_LEVEL = "town"
    assert [e.id for e in check_schedule()] == ["insight.E001", "insight.E002"]
    settings.INSIGHT_NIGHTLY_CRON = ""
    settings.INSIGHT_NIGHTLY_LEVEL = 0
    assert [e.id for e in check_schedule()] == ["insight.E002"] and nightly_cron() == ""
