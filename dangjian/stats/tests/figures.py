"""Stand-in figures for the statistics tests, with the keys, dimensions and values of the issue-15
contract (members.*, orgs.*), computed from today's member rows: a member is on the roll at D when
they joined on or before D and had not left (a final status dated on or before D). The
``test_figures`` fixture makes them the only registered figures for a test and puts back the
registry after (the real figures, once their modules register them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Q

from dangjian.core import stats
from dangjian.core.months import add_years
from dangjian.members.models import Member
from dangjian.orgs import BRANCH_KINDS, OrgKind
from dangjian.orgs.models import Organization
from dangjian.stats import tables as T

GONE = ["deceased", "transferred_out", "removed", "expelled", "lapsed", "suspended"]


def _bands(field: str, bands: dict[str, tuple[int, int | None]]) -> stats.Dimension:
    """Whole years between ``field`` and the date, in [low, high]."""
    def q(value: str, as_of: dt.date) -> Q:
        low, high = bands[value]
        cond = Q(**{f"{field}__lte": add_years(as_of, -low)})
        if high is not None:
            cond &= Q(**{f"{field}__gt": add_years(as_of, -(high + 1))})
        return cond
    return stats.Dimension(field, choices=[(k, k) for k in bands], q=q)


AGE = {"le30": (0, 30), "31_35": (31, 35), "36_40": (36, 40), "41_45": (41, 45), "46_50": (46, 50),
       "51_55": (51, 55), "56_60": (56, 60), "61_70": (61, 70), "ge71": (71, None)}
STANDING = {"le5": (0, 5), "6_10": (6, 10), "11_20": (11, 20), "21_30": (21, 30), "31_40": (31, 40),
            "41_50": (41, 50), "ge51": (51, None)}
EDU = {"postgrad": ["master", "doctor"], "bachelor": ["bachelor"], "junior_college": ["junior_college"],
       "secondary": ["senior"], "junior_or_below": ["primary", "junior"]}


def _edu(value: str, as_of: dt.date) -> Q:
    return Q(person__education__in=EDU[value])


def _ethnicity(value: str, as_of: dt.date) -> Q:
    return Q(person__ethnicity="汉族") if value == "han" else ~Q(person__ethnicity__in=["汉族", ""])


def _status(value: str, as_of: dt.date) -> Q:
    full = Q(full_date__lte=as_of)
    return full if value == "full" else ~full


PERSON_DIMS = {
    "sex": stats.Dimension("sex", choices=[("male", "m"), ("female", "f")], field="person__sex"),
    "age_band": _bands("person__birth_date", AGE),
    "education": stats.Dimension("education", choices=[(k, k) for k in EDU], q=_edu),
    "category": stats.Dimension("category", choices=[(v, v) for v, _ in T.CATEGORY], field="category"),
}


def _on_roll(org_path: str, as_of: dt.date) -> Any:
    left = Q(status__in=GONE, status_changed_on__lte=as_of)
    return (Member.objects.filter(org_path__startswith=org_path, join_date__lte=as_of).exclude(left)
            .order_by("pk"))


def _joined(org_path: str, as_of: dt.date) -> Any:
    return Member.objects.filter(org_path__startswith=org_path, join_date__gte=as_of.replace(month=1, day=1),
                                 join_date__lte=as_of).order_by("pk")


def _left(org_path: str, as_of: dt.date) -> Any:
    return Member.objects.filter(org_path__startswith=org_path, status__in=GONE,
                                 status_changed_on__gte=as_of.replace(month=1, day=1),
                                 status_changed_on__lte=as_of).order_by("pk")


def _member_row(m: Member) -> dict[str, Any]:
    return {"name": m.person.name, "url": f"/members/{m.pk}/"}


def _orgs(org_path: str, as_of: dt.date) -> Any:
    return Organization.objects.filter(Q(established_on__isnull=True) | Q(established_on__lte=as_of),
                                       path__startswith=org_path, is_active=True).order_by("path")


KIND = stats.Dimension("kind", choices=[(k.value, k.label) for k in OrgKind], field="kind")

FIGURES = [
    stats.Figure(key="members.total", label="Members", module="members", unit="", perm="members.view", rows=_on_roll,
                 dimensions={**PERSON_DIMS,
                             "ethnicity": stats.Dimension("ethnicity", choices=[("han", "h"), ("minority", "m")],
                                                          q=_ethnicity),
                             "status": stats.Dimension("status", choices=[("full", "f"), ("probationary", "p")],
                                                       q=_status),
                             "standing": _bands("join_date", STANDING)},
                 columns=[("name", "Name")], row=_member_row),
    stats.Figure(key="members.joined", label="Joined", module="members", unit="", perm="members.view", rows=_joined,
                 dimensions={**PERSON_DIMS, "how": stats.Dimension(
                     "how", choices=[(v, v) for v, _ in T.JOINED_HOW], field="add_type")},
                 columns=[("name", "Name")], row=_member_row),
    stats.Figure(key="members.left", label="Left", module="members", unit="", perm="members.view", rows=_left,
                 dimensions={"how": stats.Dimension("how", choices=[(v, v) for v, _ in T.LEFT_HOW], field="status")},
                 columns=[("name", "Name")], row=_member_row),
    stats.Figure(key="orgs.total", label="Organizations", module="orgs", unit="", perm="orgs.view", rows=_orgs,
                 path_field="path", dimensions={"kind": KIND}),
    stats.Figure(key="orgs.branches", label="Branches", module="orgs", unit="", perm="orgs.view",
                 rows=lambda p, d: _orgs(p, d).filter(kind__in=BRANCH_KINDS), path_field="path",
                 dimensions={"kind": KIND}),
]


@contextmanager
def only(*figures: stats.Figure) -> Iterator[None]:
    """The registry holds ``figures`` and nothing else for the block (the modules' own figures are
    put back after), so that the stand-in tests do not change when a module registers more."""
    saved = dict(stats._figures)
    stats._figures.clear()
    for f in figures:
        stats.register_figure(f)
    try:
        yield
    finally:
        stats._figures.clear()
        stats._figures.update(saved)


@contextmanager
def registered(*figures: stats.Figure) -> Iterator[None]:
    """Register ``figures`` for the block, then put back what was registered under their keys."""
    before = {f.key: stats.get_figure(f.key) for f in figures}
    for f in figures:
        stats.register_figure(f)
    try:
        yield
    finally:
        for key, old in before.items():
            if old is None:
                stats.unregister_figure(key)
            else:
                stats.register_figure(old)


@contextmanager
def absent(*keys: str) -> Iterator[None]:
    """The figures ``keys`` unregistered for the block (a module not installed)."""
    before = {k: stats.get_figure(k) for k in keys}
    for k in keys:
        stats.unregister_figure(k)
    try:
        yield
    finally:
        for old in before.values():
            if old is not None:
                stats.register_figure(old)
