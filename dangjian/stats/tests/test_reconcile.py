"""Reconciliation: the checks between cells and tables pass on the consistent county and catch a
planted inconsistency with the right difference and reason."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from dangjian.core import stats
from dangjian.members.actions import do_update_member
from dangjian.stats import tables as T
from dangjian.stats.tests.conftest import AS_OF
from dangjian.stats.tests.figures import FIGURES, registered
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db


def _checks(county, user=None, org=None):
    org = org or county.county
    ts = T.tables_for(user, org, AS_OF) if user else T.compute_tables(org.path, AS_OF)
    return {c.check.key: c for c in ts.checks}


def test_a_consistent_county_reconciles(county):
    checks = _checks(county)
    assert {k for k, c in checks.items() if c.status == "failed"} == set()
    # development.* are not registered in these tests: that check cannot be made, it does not fail
    assert {k for k, c in checks.items() if c.status == "unavailable"} == {"development_admitted"}
    identity = checks["changes_identity"]
    assert (identity.left.total, identity.right.total, identity.difference) == (7, 7, 0)
    assert [v for _t, v, _a, _u in identity.left.terms] == [6, 2, 1]


def test_a_member_without_sex_recorded_fails_the_split_with_the_reason(county, root_user, users):
    do_update_member(county.dave, {"sex": ""}, acting_user=root_user)
    checks = _checks(county, users.admin)
    sex = checks["members_sex"]
    assert sex.status == "failed"
    assert (sex.left.total, sex.right.total, sex.difference) == (6, 7, -1)
    [reason] = sex.reasons
    assert reason["value"] == 1
    assert str(reason["text"]) in ("1 member has no sex recorded", "1 名党员未登记性别")
    query = parse_qs(urlsplit(reason["url"]).query, keep_blank_values=True)
    assert urlsplit(reason["url"]).path == "/stats/records/members.total/"
    assert query == {"org": [str(county.county.pk)], "date": ["2025-12-31"], "f_sex": [""]}
    assert checks["members_ethnicity"].status == "ok"


def test_missing_education_in_a_new_member_fails_two_checks(county, root_user):
    make_member(county.branch_a2, "郑无学", acting_user=root_user, join_date=dt.date(2025, 9, 1),
                status="probationary", full_date=None)
    checks = _checks(county)
    assert checks["members_education"].difference == -1
    assert checks["development_education"].difference == -1
    assert checks["development_education"].reasons[0]["value"] == 1
    assert checks["changes_identity"].status == "ok"  # joined counts them too


def test_a_figure_that_disagrees_breaks_the_identity(county):
    """A members.left that loses an exit: last year's 6 + 2 joined − 0 left ≠ 7."""
    lossy = next(f for f in FIGURES if f.key == "members.left")
    with registered(stats.Figure(**{**lossy.__dict__, "rows": lambda p, d: lossy.rows(p, d).none()})):
        checks = _checks(county)
    identity = checks["changes_identity"]
    assert identity.status == "failed"
    assert (identity.left.total, identity.right.total, identity.difference) == (8, 7, 1)
    assert checks["changes_left"].status == "ok"  # 0 = 0: its own split still adds up


def test_branches_within_organizations(county):
    bad = next(f for f in FIGURES if f.key == "orgs.branches")
    with registered(stats.Figure(**{**bad.__dict__, "rows": lambda p, d: _every_org(p)})):
        checks = _checks(county)
    assert checks["orgs_branches_within"].status == "ok"  # 6 ≤ 6
    assert checks["orgs_branches_kinds"].status == "failed" and checks["orgs_branches_kinds"].difference == 3


def _every_org(path):
    from dangjian.orgs.models import Organization

    return Organization.objects.filter(path__startswith=path)


def test_the_page_shows_both_sides_the_difference_and_the_reason(client, county, users, root_user):
    do_update_member(county.dave, {"sex": ""}, acting_user=root_user)
    client.force_login(users.admin)
    resp = client.get(f"/stats/tables/?org={county.county.pk}&date=2025-12-31")
    html = resp.content.decode()
    row = html[html.index('id="check-members_sex"'):]
    row = row[:row.index("</tr>")]
    assert 'class="check-failed"' in row
    assert '<strong class="left">6</strong>' in row and '<strong class="right">7</strong>' in row
    assert 'class="difference">-1<' in row
    # the reason links to the members without sex recorded; each term to its own records
    assert 'f_sex="' in row and 'f_sex=male"' in row and 'f_sex=female"' in row
