"""The year-end tables against the hand-counted county of conftest.py (as of 2025-12-31):
cells, as-of dates, bounded queries, unavailable figures."""

from __future__ import annotations

import pytest

from dangjian.core import stats
from dangjian.stats import tables as T
from dangjian.stats.tests.conftest import AS_OF
from dangjian.stats.tests.figures import absent

pytestmark = pytest.mark.django_db


def test_members_basic_situation(county):
    result = T.compute_tables(county.county.path, AS_OF, [T.get_table("members_basic")]).table("members_basic")
    assert result.snapshot() == {
        "total": {"all": 7, "full": 5, "probationary": 2},
        "male": {"all": 5, "full": 4, "probationary": 1},
        "female": {"all": 2, "full": 1, "probationary": 1},
        "han": {"all": 6, "full": 4, "probationary": 2},
        "minority": {"all": 1, "full": 1, "probationary": 0},
    }


def test_age_education_standing_and_occupation(county):
    ts = T.compute_tables(county.county.path, AS_OF)
    age = ts.table("members_age").snapshot()
    assert age["total"] == {"all": 7, "le30": 2, "31_35": 1, "36_40": 1, "41_45": 1, "46_50": 0, "51_55": 0,
                            "56_60": 0, "61_70": 1, "ge71": 1}
    assert age["female"]["le30"] == 1 and age["female"]["31_35"] == 1
    assert age["probationary"] == {**dict.fromkeys(age["total"], 0), "all": 2, "le30": 2}
    edu = ts.table("members_education").snapshot()
    assert edu["total"] == {"all": 7, "postgrad": 1, "bachelor": 3, "junior_college": 1, "secondary": 1,
                            "junior_or_below": 1}
    assert edu["minority"] == {**dict.fromkeys(edu["total"], 0), "all": 1, "postgrad": 1}
    standing = ts.table("members_standing").snapshot()
    assert standing["total"]["le5"] == 2 and standing["total"]["11_20"] == 5
    category = ts.table("members_category").snapshot()
    assert category["in_service"] == {"all": 5, "female": 1, "minority": 1, "probationary": 1}
    assert category["student"] == {"all": 1, "female": 1, "minority": 0, "probationary": 1}
    assert category["retired"]["all"] == 1


def test_development_and_changes_in_the_year(county):
    ts = T.compute_tables(county.county.path, AS_OF)
    dev = ts.table("development").snapshot()
    assert dev["total"] == {"all": 1, "female": 1, "le30": 1, "31_35": 0, "postgrad": 0, "bachelor": 1,
                            "junior_college": 0, "secondary": 0, "junior_or_below": 0}
    assert dev["student"]["all"] == 1 and dev["retired"]["all"] == 0  # frank was transferred in, not developed
    changes = {row: cells["count"] for row, cells in ts.table("changes").snapshot().items()}
    assert changes["previous"] == 6  # at 2024-12-31: gina still, erin and frank not yet
    assert (changes["joined"], changes["joined_developed"], changes["joined_transferred_in"]) == (2, 1, 1)
    assert (changes["left"], changes["left_deceased"], changes["left_transferred_out"]) == (1, 1, 0)
    assert changes["current"] == 7


def test_as_of_a_date_counts_who_was_there_then(county):
    """hank was transferred out in March 2026: he counts in 2025's table, not at 2026-06-30."""
    import datetime as dt

    end_2025 = T.compute_tables(county.branch_b1.path, AS_OF, [T.get_table("changes")]).table("changes")
    assert end_2025.value("current", "count") == 3
    mid_2026 = T.compute_tables(county.branch_b1.path, dt.date(2026, 6, 30), [T.get_table("changes")]).table("changes")
    assert mid_2026.value("previous", "count") == 3
    assert mid_2026.value("left_transferred_out", "count") == 1
    assert mid_2026.value("current", "count") == 2


def test_row_and_column_keys_are_unique_in_each_table():
    """They are the keys of a submission's stored values and of the API's cells."""
    assert len({t.key for t in T.TABLES}) == len(T.TABLES)
    for table in T.TABLES:
        assert len({r.key for r in table.rows}) == len(table.rows), table.key
        assert len({c.key for c in table.columns}) == len(table.columns), table.key


def test_organizations(county):
    orgs = T.compute_tables(county.county.path, AS_OF, [T.get_table("orgs_basic")]).table("orgs_basic").snapshot()
    assert {k: v["count"] for k, v in orgs.items() if v["count"]} == {"total": 6, "committee": 3, "branch": 3,
                                                                      "branches": 3}
    assert orgs["terms_due"] == {"count": None}  # not registered in this test: unavailable


def test_every_table_in_a_bounded_number_of_queries(county, django_assert_max_num_queries):
    """Batched per figure, date and merged dimension set: not one query per cell."""
    cells = sum(len(t.refs()) for t in T.TABLES)
    assert cells > 200
    with django_assert_max_num_queries(12) as ctx:
        ts = T.compute_tables(county.county.path, AS_OF)
    assert ts.queries == len(ctx.captured_queries)


def test_a_figure_not_registered_is_unavailable_not_an_error(county):
    with absent("members.joined"):
        ts = T.compute_tables(county.county.path, AS_OF)
    dev = ts.table("development")
    assert all(not c.available and c.value is None for row in dev.cells for c in row)
    identity = next(c for c in ts.checks if c.check.key == "changes_identity")
    assert identity.status == "unavailable" and identity.missing == ["members.joined"]
    assert ts.table("members_basic").value("total", "all") == 7


def test_a_dimension_the_figure_lacks_is_unavailable(county):
    lacking = stats.get_figure("members.total")
    assert lacking is not None
    values = T.compute([T.Ref.of("members.total", nope="x"), T.Ref.of("members.total", sex="other"),
                        T.Ref.of("members.total", sex="female")], county.county.path, AS_OF)
    assert values.value(T.Ref.of("members.total", sex="female")) == 2
    assert not values.available(T.Ref.of("members.total", nope="x"))
    assert not values.available(T.Ref.of("members.total", sex="other"))


def test_merged_dimension_sets_serve_every_subset():
    figure = stats.Figure(key="t.x", label="", module="t", unit="", perm="p", rows=lambda p, d: None,
                          dimensions={n: stats.Dimension(n, choices=[(str(i), "") for i in range(9)], field=n)
                                      for n in "abcd"})
    sets = [frozenset(s) for s in ("", "a", "ab", "b", "cd", "c")]
    merged = T.merge_dimension_sets(figure, sets, limit=10 ** 6)
    assert merged == [frozenset("abcd")]
    small = T.merge_dimension_sets(figure, sets, limit=100)
    assert sorted(map(sorted, small)) == [["a", "b"], ["c", "d"]]
    assert all(any(s <= m for m in small) for s in sets)
