"""The drill-down list behind a figure: same rows as the value, scope, aggregates-only roles."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dangjian.core import stats
from dangjian.orgs.models import Organization
from dangjian.stats import selectors as sel


def _orgs(org_path, as_of):
    return Organization.objects.filter(path__startswith=org_path).order_by("path")


FIG = stats.Figure(
    key="testorgs.total", label="Organizations", module="testorgs", unit="", perm="orgs.view", rows=_orgs,
    path_field="path", columns=[("name", "Name"), ("kind", "Kind")],
    row=lambda o: {"name": o.name, "kind": o.get_kind_display(), "url": f"/orgs/{o.pk}/"},
    dimensions={"kind": stats.Dimension("Kind", choices=[("committee", "C"), ("branch", "B")], field="kind")},
)


@pytest.fixture(autouse=True)
def _figure():
    stats.register_figure(FIG)
    yield
    stats.unregister_figure(FIG.key)


def _url(org, **filters):
    return sel.drilldown_url(FIG, org, timezone.localdate(), filters)


def test_list_length_equals_the_value(client, users, tree):
    client.force_login(users.admin)
    value = stats.figure_value(FIG, tree.county.path, timezone.localdate(), {"kind": "branch"})
    assert value == 3
    resp = client.get(_url(tree.county, kind="branch"))
    assert resp.status_code == 200
    assert resp.context["total"] == value
    assert len(resp.context["rows"]) == value
    assert "甲镇一村党支部" in resp.content.decode()


def test_outside_scope_is_not_found_and_aggregates_only_roles_see_no_records(client, users, tree):
    client.force_login(users.secretary)  # secretary of branch_a1
    assert client.get(_url(tree.branch_a1)).status_code == 200
    assert client.get(_url(tree.town_a)).status_code == 404
    assert client.get(_url(tree.branch_b1)).status_code == 404
    # The publicity officer sees aggregates (stats.view) on town_a, but not orgs' records? orgs.view
    # is theirs too; drop to a figure whose permission they lack.
    stats.register_figure(stats.Figure(**{**FIG.__dict__, "perm": "members.view"}))
    client.force_login(users.publicity)
    assert client.get(_url(tree.town_a)).status_code == 404
    client.force_login(users.member)
    assert client.get(_url(tree.branch_a1)).status_code == 404


def test_bad_date_and_filter(client, users, tree):
    client.force_login(users.admin)
    resp = client.get(_url(tree.county).replace("date=", "date=2020-13-") )
    assert resp.status_code == 200 and "YYYY-MM-DD" in resp.content.decode()
    assert client.get(_url(tree.county, kind="nope")).status_code == 404
    assert client.get(f"/stats/records/no.such/?org={tree.county.pk}").status_code == 404
