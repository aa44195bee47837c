"""The overview screen (大屏): its values are the registry's, for the caller's scope only, drill-down
links only for those who may see the records, cached, and a bounded number of queries."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.core import stats
from dangjian.orgs.actions import do_create_organization
from dangjian.stats import screen
from dangjian.stats.screen_actions import do_save_screen_layout
from dangjian.stats.screen_hooks import CARD_COUNT
from dangjian.stats.screen_hooks import workbench_cards as screen_cards
from dangjian.stats.tests.screen_figures import screen_figures  # noqa: F401 - fixture
from dangjian.testing.fixtures import make_member
from dangjian.testing.navigation import entries_of, open_visible_entries

pytestmark = pytest.mark.usefixtures("screen_figures")

LAYOUT = [
    {"figure": "members.total", "kind": "number"},
    {"figure": "dues.collection_rate", "kind": "number"},
    {"figure": "orgs.branches", "kind": "number"},
    {"figure": "members.total", "kind": "bar_children", "span": 2},
    {"figure": "members.total", "kind": "pie", "dimension": "sex"},
    {"figure": "members.total", "kind": "bar", "dimension": "status"},
    {"figure": "orgs.branches", "kind": "bar_children"},
    {"figure": "members.total", "kind": "trend", "span": 2},
]


@pytest.fixture
def layout(users):
    return do_save_screen_layout(None, title="", widgets=LAYOUT, acting_user=users.admin)


def _data(client, org=None, **params):
    url = "/stats/screen/data/" if org is None else f"/stats/screen/{org.pk}/data/"
    resp = client.get(url, params)
    assert resp.status_code == 200, resp.content
    return resp.json()


def _widget(data, figure, kind, dimension=None):
    return next(w for w in data["widgets"] if w["figure"] == figure and w["kind"] == kind
                and w.get("dimension") == dimension)


def test_json_values_equal_the_registry_for_the_top_of_the_scope(client, users, tree, layout):
    client.force_login(users.admin)
    data = _data(client)
    today = timezone.localdate()
    assert data["org"]["id"] == tree.county.pk
    members, rate, branches = (stats.get_figure(k) for k in ("members.total", "dues.collection_rate", "orgs.branches"))
    assert _widget(data, "members.total", "number")["value"] == stats.figure_value(members, tree.county.path, today) == 4
    assert _widget(data, "orgs.branches", "number")["value"] == stats.figure_value(branches, tree.county.path, today) == 3
    assert _widget(data, "dues.collection_rate", "number")["value"] == screen.plain(stats.figure_value(rate, tree.county.path, today))
    by_child = {i["name"]: i["value"] for i in _widget(data, "members.total", "bar_children")["items"]}
    for child in (tree.town_a, tree.town_b):
        assert by_child[child.name] == stats.figure_value(members, tree.county.path, today, {"child": child.path})
    assert by_child == {tree.town_a.name: 3, tree.town_b.name: 1}
    by_sex = {i["key"]: i["value"] for i in _widget(data, "members.total", "pie", "sex")["items"]}
    assert by_sex == {"male": 4, "female": 0}
    trend = _widget(data, "members.total", "trend")["items"]
    assert [i["key"] for i in trend] == [d.isoformat() for d in screen.trend_dates(today)]
    assert trend[-1]["value"] == 4


def test_a_committee_screen_counts_its_subtree(client, users, tree, layout):
    client.force_login(users.admin)
    data = _data(client, tree.town_a)
    assert data["org"]["id"] == tree.town_a.pk
    assert _widget(data, "members.total", "number")["value"] == 3
    children = _widget(data, "members.total", "bar_children")["items"]
    assert [(i["name"], i["value"]) for i in children] == [(tree.branch_a1.name, 2), (tree.branch_a2.name, 1)]


def test_every_drill_url_lists_as_many_records_as_its_value(client, users, tree, layout):
    client.force_login(users.admin)
    data = _data(client)
    checked = 0
    for w in data["widgets"]:
        if w["kind"] == "trend":
            continue
        entries = [w] if w["kind"] == "number" else w["items"]
        for entry in entries:
            if w["figure"] == "dues.collection_rate":
                continue  # a rate: its list is the figure it drills to, not a count of the rate
            assert entry["url"].startswith("/stats/records/")
            resp = client.get(entry["url"])
            assert resp.status_code == 200
            assert resp.context["total"] == entry["value"], (w["figure"], w["kind"], entry)
            checked += 1
    assert checked >= 10


def test_another_towns_screen_is_not_found(client, users, tree, layout):
    client.force_login(users.organizer)  # organizer of town_a
    assert _data(client)["org"]["id"] == tree.town_a.pk
    assert client.get(f"/stats/screen/{tree.branch_a1.pk}/").status_code == 200
    for url in (f"/stats/screen/{tree.town_b.pk}/", f"/stats/screen/{tree.town_b.pk}/data/",
                f"/stats/screen/{tree.county.pk}/", f"/stats/screen/{tree.county.pk}/data/", "/stats/screen/999999/"):
        assert client.get(url).status_code == 404, url
    client.force_login(users.member)
    assert client.get("/stats/screen/").status_code == 404
    assert client.get("/stats/screen/data/").status_code == 404


def test_publicity_officer_gets_aggregates_without_drill_urls(client, users, tree, layout):
    client.force_login(users.publicity)  # stats.view and orgs.view on town_a, not members.view
    data = _data(client)
    members_widgets = [w for w in data["widgets"] if w["figure"] in ("members.total", "dues.collection_rate")]
    assert len(members_widgets) == 6
    assert _widget(data, "members.total", "number")["value"] == 3
    for w in members_widgets:
        assert "url" not in w
        assert all("url" not in i for i in w.get("items", []))
    # The records of organizations are theirs to see: those figures keep their links.
    assert _widget(data, "orgs.branches", "number")["url"].startswith("/stats/records/orgs.branches/")
    page = client.get("/stats/screen/").content.decode()
    assert "/stats/records/members.total/" not in page
    assert "/stats/records/orgs.branches/" in page
    assert "/stats/records/" not in str(data["widgets"][0])


def test_query_count_does_not_grow_with_the_children(client, users, tree, root_user, layout):
    client.force_login(users.admin)
    _data(client)  # sessions, roles: the same for both runs below
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        _data(client)
    for i in range(6):
        town = do_create_organization(tree.county, {"name": f"测试镇{i}", "kind": "committee"}, acting_user=root_user)
        branch = do_create_organization(town, {"name": f"测试镇{i}党支部", "kind": "branch"}, acting_user=root_user)
        make_member(branch, f"成员{i}", acting_user=root_user)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        data = _data(client)
    assert len(_widget(data, "members.total", "bar_children")["items"]) == 8
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as warm:
        _data(client)
    assert len(warm) < len(few) - 5  # a warm screen runs none of the figures' queries


def test_widgets_of_one_figure_share_one_query(users, tree):
    widgets = [{"figure": "members.total", "kind": "number"},
               {"figure": "members.total", "kind": "bar_children"},
               {"figure": "members.total", "kind": "pie", "dimension": "sex"},
               {"figure": "members.total", "kind": "bar", "dimension": "status"}]
    layout = screen.layout_for(do_save_screen_layout(tree.county, title="", widgets=widgets,
                                                     acting_user=users.admin).organization)
    with CaptureQueriesContext(connection) as queries:
        data = screen.compute_values(tree.county, timezone.localdate(), layout)
    assert len(queries) == 2  # the figure split by child, sex and status at once; the children's names
    members = stats.get_figure("members.total")
    today = timezone.localdate()
    assert data["values"][0]["value"] == stats.figure_value(members, tree.county.path, today)
    assert data["values"][2]["counts"] == stats.breakdown(members, tree.county.path, today, "sex")
    assert data["values"][3]["counts"] == stats.breakdown(members, tree.county.path, today, "status")


def test_a_split_too_fine_for_one_query_takes_two(users, tree, monkeypatch):
    monkeypatch.setattr(screen, "MERGE_LIMIT", 4)  # 3 children (with "itself") × 3 sexes would be 9
    widgets = [{"figure": "members.total", "kind": "bar_children"},
               {"figure": "members.total", "kind": "pie", "dimension": "sex"}]
    layout = screen.layout_for(do_save_screen_layout(tree.county, title="", widgets=widgets,
                                                     acting_user=users.admin).organization)
    with CaptureQueriesContext(connection) as queries:
        data = screen.compute_values(tree.county, timezone.localdate(), layout)
    assert len(queries) == 3
    members = stats.get_figure("members.total")
    today = timezone.localdate()
    assert data["values"][1]["counts"] == stats.breakdown(members, tree.county.path, today, "sex")
    assert data["values"][0]["counts"] == {k[0]: n for k, n in stats.crosstab(members, tree.county.path, today,
                                                                               ["child"]).items()}


def test_values_are_cached_until_the_layout_changes(client, users, tree, root_user, layout):
    client.force_login(users.admin)
    assert _widget(_data(client), "members.total", "number")["value"] == 4
    make_member(tree.branch_b1, "钱新", acting_user=root_user)
    assert _widget(_data(client), "members.total", "number")["value"] == 4  # cached (about a minute)
    assert _widget(_data(client, tree.town_b), "members.total", "number")["value"] == 2  # another key: fresh
    do_save_screen_layout(None, title="新标题", widgets=LAYOUT[:1], acting_user=users.admin)
    data = _data(client)
    assert data["title"] == "新标题"
    assert [w["figure"] for w in data["widgets"]] == ["members.total"]
    assert data["widgets"][0]["value"] == 5


def test_while_one_request_computes_the_others_get_the_previous_values(users, tree, root_user, layout):
    as_of = timezone.localdate()
    lay = screen.layout_for(tree.county)
    key = screen._cache_key(tree.county, as_of, lay)
    assert screen.cached_values(tree.county, as_of, lay)["values"][0]["value"] == 4
    make_member(tree.branch_b1, "钱新", acting_user=root_user)
    entry = cache.get(key)
    cache.set(key, {**entry, "fresh_until": 0}, screen.STALE_SECONDS)  # the minute has passed
    cache.add(key + ":computing", 1, 30)  # another request is computing
    assert screen.cached_values(tree.county, as_of, lay)["values"][0]["value"] == 4
    cache.delete(key + ":computing")
    assert screen.cached_values(tree.county, as_of, lay)["values"][0]["value"] == 5
    assert cache.get(key + ":computing") is None


def test_a_date_in_the_query_string(client, users, tree, layout):
    client.force_login(users.admin)
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    assert _data(client, date=yesterday.isoformat())["date"] == yesterday.isoformat()
    resp = client.get("/stats/screen/data/", {"date": "2020-13-01"})
    assert resp.status_code == 400 and "date" in resp.json()["errors"]
    page = client.get("/stats/screen/", {"date": "2999-01-01"})
    assert page.status_code == 200 and "date" in page.context["errors"]
    assert 'role="alert"' in page.content.decode()


def test_signed_out_data_is_401_and_the_page_asks_to_sign_in(client, db):
    assert client.get("/stats/screen/data/").status_code == 401
    resp = client.get("/stats/screen/")
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_page_renders_numbers_and_chart_items_without_javascript(client, users, tree, layout):
    client.force_login(users.admin)
    resp = client.get("/stats/screen/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert 'data-widget="w1"' in html and "echarts.min.js" in html
    numbers = resp.context["numbers"]
    assert [w["figure"] for w in numbers] == ["members.total", "dues.collection_rate", "orgs.branches"]
    assert f'href="{numbers[0]["url"]}"'.replace("&", "&amp;") in html
    assert tree.town_a.name in html  # an item of the bars per child, and a link to its screen
    assert f'href="/stats/screen/{tree.town_a.pk}/"' in html
    assert 'id="screen-configure"' in html  # a county admin may configure it
    client.force_login(users.organizer)
    assert 'id="screen-configure"' not in client.get("/stats/screen/").content.decode()


def test_without_any_saved_layout_the_built_in_default_shows_the_registered_figures(client, users, tree):
    client.force_login(users.admin)
    data = _data(client)
    shown = {(w["figure"], w["kind"], w.get("dimension")) for w in data["widgets"]}
    assert ("members.total", "number", None) in shown
    assert ("members.total", "pie", "sex") in shown
    assert ("members.total", "bar_children", None) in shown
    assert ("dues.collection_rate", "number", None) in shown
    assert all(stats.get_figure(f) is not None for f, _k, _d in shown)
    if "age_band" not in stats.get_figure("members.total").dimensions:
        assert ("members.total", "bar", "age_band") not in shown  # a dimension the figure lacks is left out


def test_workbench_card_links_to_the_screen(client, users, tree):
    client.force_login(users.admin)
    cards = client.get("/").context["cards"]
    mine = [c for c in cards if c["url"] == "/stats/screen/"]
    assert 1 <= len(mine) <= CARD_COUNT
    rate = screen.plain(stats.figure_value(stats.get_figure("dues.collection_rate"), tree.county.path, timezone.localdate()))
    shown = screen.display(rate) + ("%" if rate is not None else "")
    assert any(c["label"] == str(stats.get_figure("dues.collection_rate").label) and c["value"] == shown for c in mine)
    for user in (users.member, users.handler):  # no stats.view
        client.force_login(user)
        assert list(screen_cards(client.get("/").wsgi_request)) == []


def test_nav_entry_opens_for_every_role_with_stats_view(client, users):
    seen = open_visible_entries(client, users, lambda key: key.startswith("stats:"))
    assert seen["stats:screen"] == {"admin", "secretary", "organizer", "publicity", "discipline"}
    assert entries_of(users.admin, lambda key: key == "stats:screen")["stats:screen"]["url"] == "/stats/screen/"
