"""/api/v1/stats: figures, values with their drill-down link, tables with their reconciliation;
scope (404 outside), bad input (422/404 with a message naming the field)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from dangjian.core.actions import do_issue_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _get(client, user, path, **params):
    token = do_issue_api_token(user, ip="127.0.0.1")
    return client.get("/api/v1/stats" + path, params, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_figures_the_caller_may_see(client, county, users):
    data = _get(client, users.admin, "/figures").json()
    keys = {f["key"] for f in data}
    assert {"members.total", "orgs.total"} <= keys
    total = next(f for f in data if f["key"] == "members.total")
    assert total["module"] == "members" and total["counted"] and "sex" in total["dimensions"]
    assert _get(client, users.member, "/figures").json() == []
    assert client.get("/api/v1/stats/figures").status_code == 401


def test_a_value_and_its_drilldown(client, county, users):
    resp = _get(client, users.admin, "/values", figure="members.total", org=county.town_a.pk, date="2025-12-31")
    assert resp.status_code == 200
    data = resp.json()
    assert data["value"] == 4 and data["organization"]["id"] == county.town_a.pk
    assert data["drilldown_url"].startswith("/stats/records/members.total/?")
    assert client.get(data["drilldown_url"]).status_code in (302, 200)
    # aggregates only: no link
    data = _get(client, users.publicity, "/values", figure="members.total", org=county.town_a.pk,
                date="2025-12-31").json()
    assert (data["value"], data["drilldown_url"]) == (4, None)


def test_a_secretary_gets_the_county_admins_value_for_the_branch_and_nothing_outside(client, county, users):
    mine = _get(client, users.secretary, "/values", figure="members.total", org=county.branch_a1.pk,
                date="2025-12-31").json()
    admin = _get(client, users.admin, "/values", figure="members.total", org=county.branch_a1.pk,
                 date="2025-12-31").json()
    assert mine["value"] == admin["value"] == 3
    outside = _get(client, users.secretary, "/values", figure="members.total", org=county.town_a.pk)
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    unknown_org = _get(client, users.secretary, "/values", figure="members.total", org=10 ** 9)
    assert unknown_org.json() == outside.json()


def test_bad_input(client, county, users):
    bad_date = _get(client, users.admin, "/values", figure="members.total", date="2025-02-30")
    assert bad_date.status_code == 422 and bad_date.json()["field"] == "date"
    future = _get(client, users.admin, "/values", figure="members.total", date="2999-01-01")
    assert future.status_code == 422 and future.json()["field"] == "date"
    unknown = _get(client, users.admin, "/values", figure="no.such")
    assert unknown.status_code == 404 and unknown.json()["field"] == "figure" and "no.such" in unknown.json()["message"]
    missing = _get(client, users.admin, "/values")
    assert missing.status_code == 422 and missing.json()["field"] == "figure"


def test_a_table_with_its_cells_and_checks(client, county, users):
    resp = _get(client, users.admin, "/tables/members_basic", org=county.county.pk, date="2025-12-31")
    assert resp.status_code == 200
    data = resp.json()
    assert [c["key"] for c in data["columns"]] == ["all", "full", "probationary"]
    female = next(r for r in data["rows"] if r["key"] == "female")
    assert [c["value"] for c in female["cells"]] == [2, 1, 1]
    assert "f_sex=female" in female["cells"][0]["drilldown_url"]
    checks = {c["key"]: c for c in data["checks"]}
    assert checks["members_sex"]["status"] == "ok" and checks["members_sex"]["left"] == 7
    listing = _get(client, users.admin, "/tables").json()
    assert listing[0]["key"] == "members_basic" and len(listing) == 9
    assert _get(client, users.admin, "/tables/nope").status_code == 404
    assert _get(client, users.secretary, "/tables/members_basic", org=county.town_a.pk).status_code == 404


def test_a_table_with_an_unregistered_figure(client, county, users):
    data = _get(client, users.admin, "/tables/orgs_basic", org=county.county.pk, date="2025-12-31").json()
    due = next(r for r in data["rows"] if r["key"] == "terms_due")["cells"][0]
    assert (due["available"], due["value"], due["drilldown_url"]) == (False, None, None)
