"""The statistics page (/stats/): every figure of the subtree by module, with a month and a year
earlier, linked to its records when allowed; empty state; Excel export; navigation."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.core import stats
from dangjian.stats.tests.figures import FIGURES, absent
from dangjian.testing.navigation import open_visible_entries

pytestmark = pytest.mark.django_db


def _url(org, date="2025-12-31", **extra):
    return reverse("stats:index") + f"?org={org.pk}&date={date}" + "".join(f"&{k}={v}" for k, v in extra.items())


def _row(resp, key):
    return next(r for g in resp.context["groups"] for r in g["rows"] if r["figure"].key == key)


def test_figures_by_module_with_last_month_and_last_year(client, county, users, django_assert_max_num_queries):
    client.force_login(users.admin)
    n = len(stats.figures())
    with django_assert_max_num_queries(3 * n + 20):
        resp = client.get(_url(county.county))
    assert resp.status_code == 200
    assert {"members", "orgs"} <= {g["module"] for g in resp.context["groups"]}
    total = _row(resp, "members.total")
    assert [v["value"] for v in total["values"]] == [7, 7, 6]
    assert [v["date"].isoformat() for v in total["values"]] == ["2025-12-31", "2025-11-30", "2024-12-31"]
    assert all("/stats/records/members.total/" in v["url"] for v in total["values"])
    assert "date=2024-12-31" in total["values"][2]["url"]


def test_a_secretary_sees_their_branch_only(client, county, users):
    client.force_login(users.secretary)
    resp = client.get(reverse("stats:index"))
    assert resp.status_code == 200 and resp.context["org"] == county.branch_a1
    assert client.get(_url(county.town_a)).status_code == 404
    client.force_login(users.publicity)  # aggregates without the member list
    resp = client.get(_url(county.town_a))
    assert [v["url"] for v in _row(resp, "members.total")["values"]] == ["", "", ""]
    client.force_login(users.member)
    assert client.get(reverse("stats:index")).status_code == 404


def test_empty_state_when_no_figure_is_registered(client, county, users):
    client.force_login(users.admin)
    keys = [f.key for f in stats.figures()]
    with absent(*keys):
        resp = client.get(_url(county.county))
    assert resp.status_code == 200 and resp.context["groups"] == []
    assert 'id="no-figures"' in resp.content.decode()


def test_excel_export_of_the_page(client, county, users):
    client.force_login(users.admin)
    resp = client.get(_url(county.county, export="xlsx"))
    ws = load_workbook(io.BytesIO(resp.content)).worksheets[0]
    rows = {r[1]: r[3:] for r in ws.iter_rows(min_row=3, values_only=True)}
    label = str(next(f for f in FIGURES if f.key == "members.total").label)
    assert rows[label] == (7, 7, 6)


def test_navigation_entries_open_for_every_role_that_sees_them(client, county, users):
    seen = open_visible_entries(client, users, lambda key: key.startswith("stats:"))
    assert seen["stats:index"] == {"admin", "secretary", "organizer", "publicity", "discipline"}
    assert seen["stats:tables"] == seen["stats:index"]
