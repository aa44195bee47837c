"""The statistics registry (core/stats.py) on core's own audit table: values, filters, one-query
cross tabulations, the built-in ``child`` dimension, and the registration rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q

from dangjian.core import stats
from dangjian.core.models import AuditEvent

AS_OF = dt.date(2026, 12, 31)


def _rows(org_path: str, as_of: dt.date):
    return AuditEvent.objects.filter(org_path__startswith=org_path, created_at__date__lte=as_of)


FIG = stats.Figure(
    key="test.events", label="events", module="test", unit="", perm="audit.view", rows=_rows,
    dimensions={
        "action": stats.Dimension("action", choices=[("a.x", "x"), ("a.y", "y")], field="action"),
        "kind": stats.Dimension("kind", choices=[("long", "long"), ("short", "short")],
                                q=lambda v, d: Q(target_label__gt="m") if v == "long" else Q(target_label__lte="m")),
    },
)


@pytest.fixture
def events(db):
    rows = [("0001", "a.x", "z"), ("00010001", "a.x", "a"), ("00010001", "a.y", "z"), ("00010002", "a.z", "b"),
            ("0002", "a.x", "z")]
    AuditEvent.objects.bulk_create([AuditEvent(org_path=p, action=a, target_label=t, hash=f"h{i}") for i, (p, a, t) in enumerate(rows)])


def test_value_filters_and_crosstab(events, django_assert_num_queries):
    assert stats.figure_value(FIG, "0001", AS_OF) == 4
    assert stats.figure_value(FIG, "0001", AS_OF, {"action": "a.x"}) == 2
    assert stats.figure_value(FIG, "0001", AS_OF, {"action": ""}) == 1  # not one of the choices
    assert stats.figure_value(FIG, "0001", AS_OF, {"kind": "long", "action": "a.x"}) == 1
    with django_assert_num_queries(1):
        tab = stats.crosstab(FIG, "0001", AS_OF, ["action", "kind"])
    assert tab == {("a.x", "long"): 1, ("a.x", "short"): 1, ("a.y", "long"): 1, ("", "short"): 1}
    assert stats.breakdown(FIG, "0001", AS_OF, stats.CHILD) == {"0001": 1, "00010001": 2, "00010002": 1}
    assert stats.figure_value(FIG, "0001", AS_OF, {stats.CHILD: "00010001"}) == 2
    # The drill-down list is the counted queryset itself.
    assert stats.filtered_rows(FIG, "0001", AS_OF, {"action": "a.x"}).count() == 2


def test_bad_filters_are_refused(events):
    with pytest.raises(stats.FilterError):
        stats.figure_value(FIG, "0001", AS_OF, {"nope": "a.x"})
    with pytest.raises(stats.FilterError):
        stats.figure_value(FIG, "0001", AS_OF, {"action": "a.q"})
    with pytest.raises(stats.FilterError):
        stats.figure_value(FIG, "0001", AS_OF, {stats.CHILD: "0002"})


def test_registration_rules():
    with pytest.raises(ValueError):
        stats.Figure(key="nodot", label="", module="m", unit="", perm="p", rows=_rows)
    with pytest.raises(ValueError):
        stats.Figure(key="m.both", label="", module="m", unit="", perm="p", rows=_rows, value=lambda p, d: 1)
    with pytest.raises(ValueError):
        stats.Figure(key="m.dims", label="", module="m", unit="", perm="p", value=lambda p, d: 1,
                     dimensions={"a": FIG.dimensions["action"]})
    with pytest.raises(ValueError):
        stats.Dimension("x", choices=[], field="a", q=lambda v, d: Q())
    computed = stats.Figure(key="test.rate", label="", module="test", unit="%", perm="p",
                            value=lambda p, d: stats.rate(1, 3), drill="test.events")
    stats.register_figure(computed)
    try:
        assert stats.get_figure("test.rate") is computed
        assert computed.drill_key == "test.events" and FIG.drill_key == "test.events"
        assert stats.figure_value(computed, "0001", AS_OF) == stats.rate(1, 3) == stats.Decimal("33.3")
        with pytest.raises(stats.FilterError):
            stats.figure_value(computed, "0001", AS_OF, {"action": "a.x"})
    finally:
        stats.unregister_figure("test.rate")
    assert stats.rate(1, 0) is None
