"""Figures for the overview screen's tests, registered only where the modules have not registered
the real ones (so the tests run the same before and after the modules' figures exist):
``members.total`` (current members, split by sex and status), ``orgs.branches`` (branches, by
kind) and ``dues.collection_rate`` (a computed rate drilling to members.total)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from dangjian.core import stats
from dangjian.members import CURRENT_STATUSES
from dangjian.members.models import Member
from dangjian.orgs import BRANCH_KINDS
from dangjian.orgs.models import Organization


def _members(org_path, as_of):
    return (Member.objects.filter(org_path__startswith=org_path, status__in=CURRENT_STATUSES)
            .select_related("person").order_by("org_path", "pk"))


def _branches(org_path, as_of):
    return Organization.objects.filter(path__startswith=org_path, kind__in=BRANCH_KINDS).order_by("path")


def _collection_rate(org_path, as_of):
    return stats.rate(7, 8)


FIGURES = [
    stats.Figure(
        key="members.total", label="党员总数", module="members", unit="人", perm="members.view", rows=_members,
        columns=[("name", "Name")], row=lambda m: {"name": m.person.name},
        dimensions={
            "sex": stats.Dimension("性别", choices=[("male", "男"), ("female", "女")], field="person__sex"),
            "status": stats.Dimension("类别", choices=[("full", "正式党员"), ("probationary", "预备党员")], field="status"),
        },
    ),
    stats.Figure(
        key="orgs.branches", label="党支部", module="orgs", unit="个", perm="orgs.view", rows=_branches,
        path_field="path", columns=[("name", "Name")], row=lambda o: {"name": o.name},
        dimensions={"kind": stats.Dimension("类型", choices=[(k.value, k.label) for k in BRANCH_KINDS], field="kind")},
    ),
    stats.Figure(key="dues.collection_rate", label="党费收缴率", module="dues", unit="%", perm="dues.view",
                 value=_collection_rate, drill="members.total"),
]


@pytest.fixture
def screen_figures() -> Iterator[dict[str, stats.Figure]]:
    added = []
    for fig in FIGURES:
        if stats.get_figure(fig.key) is None:
            stats.register_figure(fig)
            added.append(fig.key)
    cache.clear()  # the screen's values are cached by organization path, and every test's tree has the same paths
    yield {f.key: stats.get_figure(f.key) for f in FIGURES}  # type: ignore[misc]
    for key in added:
        stats.unregister_figure(key)
