"""The overview screen's layout: the rules of a widget (messages naming the widget and the rule),
who may save it (stats.configure, through the action, audited), and the configuration page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from dangjian.core import stats
from dangjian.core.models import AuditEvent
from dangjian.core.roles import Role
from dangjian.stats import screen
from dangjian.stats.models_screen import ScreenLayout
from dangjian.stats.screen_actions import do_reset_screen_layout, do_save_screen_layout
from dangjian.stats.tests.screen_figures import screen_figures  # noqa: F401 - fixture
from dangjian.testing.fixtures import make_user

pytestmark = pytest.mark.usefixtures("screen_figures")


@pytest.fixture(autouse=True)
def _english():
    """The rules' messages are checked in English (the msgids); the pages in Chinese, the default."""
    with translation.override("en"):
        yield


def _messages(widgets) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        screen.validate_widgets(widgets)
    return exc.value.message_dict["widgets"]


@pytest.mark.parametrize(("widget", "words"), [
    ({"figure": "dues.collection_rate", "kind": "pie", "dimension": "sex"}, ["computed figure", "number or a trend"]),
    ({"figure": "dues.collection_rate", "kind": "bar_children"}, ["computed figure"]),
    ({"figure": "members.total", "kind": "pie"}, ["needs a dimension", "sex"]),
    ({"figure": "members.total", "kind": "bar", "dimension": "colour"}, ["no dimension “colour”", "it has: sex"]),
    ({"figure": "members.total", "kind": "number", "dimension": "sex"}, ["only a pie or bar chart takes a dimension"]),
    ({"figure": "members.total", "kind": "gauge"}, ["kind must be one of", "bar_children"]),
    ({"figure": "members.total", "kind": "number", "span": 5}, ["width must be 1, 2, 3 or 4"]),
    ({"figure": "members.total", "kind": "number", "span": "wide"}, ["width must be 1, 2, 3 or 4"]),
    ({"figure": "nobody.knows", "kind": "number"}, ["no figure with this key is registered"]),
    ({"kind": "number"}, ["choose a figure"]),
    ("members.total", ["a widget is an object"]),
])
def test_each_rule_names_the_widget_and_the_rule(widget, words):
    ok = {"figure": "members.total", "kind": "number"}
    [message] = _messages([ok, widget])
    assert message.startswith("Widget 2")
    for word in words:
        assert word in message


def test_a_widget_shown_twice_and_the_list_itself():
    [message] = _messages([{"figure": "members.total", "kind": "pie", "dimension": "sex"},
                           {"figure": "orgs.branches", "kind": "number"},
                           {"figure": "members.total", "kind": "pie", "dimension": "sex"}])
    assert message.startswith("Widget 3 (members.total)") and "repeats widget 1" in message
    assert "at least one figure" in _messages([])[0]
    assert "at most 24 widgets" in _messages([{"figure": "members.total", "kind": "number"}] * 25)[0]
    assert "must be a list" in _messages("members.total")[0]


def test_every_broken_widget_is_reported_at_once():
    messages = _messages([{"figure": "dues.collection_rate", "kind": "pie"}, {"figure": "members.total", "kind": "pie"}])
    assert [m[:8] for m in messages] == ["Widget 1", "Widget 2"]


def test_kinds_for_a_computed_and_a_counted_figure():
    assert screen.kinds_for(stats.get_figure("dues.collection_rate")) == ["number", "trend"]
    assert screen.kinds_for(stats.get_figure("members.total")) == ["number", "trend", "bar_children", "pie", "bar"]


def test_a_widget_of_an_unregistered_figure_is_left_out_of_a_saved_layout():
    widgets = [{"figure": "members.total", "kind": "number"}, {"figure": "gone.figure", "kind": "number"}]
    assert [w.figure.key for w in screen.usable_widgets(widgets)] == ["members.total"]


def test_the_built_in_default_follows_the_rules_and_skips_what_is_not_registered():
    widgets = screen.default_widgets()
    assert screen.validate_widgets([w.as_json() for w in widgets]) == widgets
    keys = {w.figure.key for w in widgets}
    assert {"members.total", "orgs.branches", "dues.collection_rate"} <= keys
    assert all(stats.get_figure(k) is not None for k in keys)


def test_county_admin_saves_a_committee_layout_with_an_audit_event(users, tree):
    widgets = [{"figure": "members.total", "kind": "pie", "dimension": "sex", "span": "2"}]
    row = do_save_screen_layout(tree.town_a, title="甲镇大屏", widgets=widgets, acting_user=users.admin)
    assert row.widgets == [{"figure": "members.total", "kind": "pie", "dimension": "sex", "span": 2}]
    assert (row.version, row.title, row.updated_by) == (1, "甲镇大屏", users.admin)
    event = AuditEvent.objects.filter(action="stats.screen_layout_saved").latest("pk")
    assert event.org_path == tree.town_a.path and event.after["widgets"] == row.widgets
    row = do_save_screen_layout(tree.town_a, title="", widgets=widgets * 1, acting_user=users.admin)
    assert row.version == 2 and ScreenLayout.objects.count() == 1
    layout = screen.layout_for(tree.town_a)
    assert layout.source == "own" and screen.layout_for(tree.town_b).source == "builtin"


def test_nothing_is_written_when_a_widget_breaks_a_rule(users, tree):
    with pytest.raises(ValidationError):
        do_save_screen_layout(tree.town_a, title="x", widgets=[{"figure": "members.total", "kind": "number"},
                                                                {"figure": "dues.collection_rate", "kind": "pie"}],
                              acting_user=users.admin)
    with pytest.raises(ValidationError) as exc:
        do_save_screen_layout(tree.town_a, title="长" * 101, widgets=[{"figure": "members.total", "kind": "number"}],
                              acting_user=users.admin)
    assert "title" in exc.value.message_dict
    assert not ScreenLayout.objects.exists()
    assert not AuditEvent.objects.filter(action="stats.screen_layout_saved").exists()


def test_only_stats_configure_may_save_and_only_in_scope(users, tree, root_user):
    widgets = [{"figure": "members.total", "kind": "number"}]
    for user in (users.organizer, users.secretary, users.publicity):  # stats.view, not stats.configure
        with pytest.raises(PermissionDenied):
            do_save_screen_layout(tree.town_a, title="", widgets=widgets, acting_user=user)
    admin_b = make_user("admin-b", Role.COUNTY_ADMIN, tree.town_b, acting_user=root_user)
    with pytest.raises(PermissionDenied):
        do_save_screen_layout(tree.town_a, title="", widgets=widgets, acting_user=admin_b)
    with pytest.raises(PermissionDenied):  # the default of every screen: stats.configure on the whole tree
        do_save_screen_layout(None, title="", widgets=widgets, acting_user=admin_b)
    do_save_screen_layout(tree.town_b, title="", widgets=widgets, acting_user=admin_b)
    do_save_screen_layout(None, title="", widgets=widgets, acting_user=users.admin)
    assert ScreenLayout.objects.filter(is_default=True, organization=None).count() == 1


def test_reset_falls_back_to_the_default_then_to_the_built_in(users, tree):
    widgets = [{"figure": "members.total", "kind": "number"}]
    do_save_screen_layout(None, title="全县默认", widgets=widgets, acting_user=users.admin)
    do_save_screen_layout(tree.town_a, title="甲镇", widgets=widgets, acting_user=users.admin)
    assert screen.layout_for(tree.town_a).title == "甲镇"
    assert do_reset_screen_layout(tree.town_a, acting_user=users.admin) is True
    assert screen.layout_for(tree.town_a).source == "default"
    assert screen.layout_for(tree.town_a).title == "全县默认"
    assert do_reset_screen_layout(None, acting_user=users.admin) is True
    assert screen.layout_for(tree.town_a).source == "builtin"
    assert do_reset_screen_layout(None, acting_user=users.admin) is False
    assert AuditEvent.objects.filter(action="stats.screen_layout_reset").count() == 2


def _post(client, url, title, rows, **extra):
    data = {"title": title, "w-TOTAL_FORMS": str(len(rows)), "w-INITIAL_FORMS": "0", "w-MIN_NUM_FORMS": "0",
            "w-MAX_NUM_FORMS": "1000", **extra}
    for i, row in enumerate(rows):
        for k, v in row.items():
            data[f"w-{i}-{k}"] = v
    return client.post(url, data)


def test_configuration_page_saves_the_chosen_order(client, users, tree):
    client.force_login(users.admin)
    url = f"/stats/screen/{tree.town_a.pk}/configure/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="members.total"' in page.content.decode()
    rows = [
        {"figure": "orgs.branches", "kind": "number", "span": "1", "ORDER": "2"},
        {"figure": "members.total", "kind": "bar_children", "span": "2", "ORDER": "1"},
        {"figure": "members.total", "kind": "number", "span": "1", "ORDER": "3", "DELETE": "on"},
        {"figure": "", "kind": "number", "span": "1", "ORDER": ""},
    ]
    resp = _post(client, url, "甲镇党建大屏", rows)
    assert resp.status_code == 302 and resp["Location"] == f"/stats/screen/{tree.town_a.pk}/"
    row = ScreenLayout.objects.get(organization=tree.town_a)
    assert row.widgets == [{"figure": "members.total", "kind": "bar_children", "span": 2},
                           {"figure": "orgs.branches", "kind": "number"}]
    assert client.get(f"/stats/screen/{tree.town_a.pk}/data/").json()["title"] == "甲镇党建大屏"


def test_configuration_page_shows_what_breaks_a_rule_and_saves_nothing(client, users, tree):
    client.force_login(users.admin)
    rows = [{"figure": "members.total", "kind": "number", "span": "1", "ORDER": "1"},
            {"figure": "dues.collection_rate", "kind": "pie", "dimension": "sex", "span": "1", "ORDER": "2"}]
    resp = _post(client, "/stats/screen/configure/", "", rows)
    assert resp.status_code == 200
    [message] = resp.context["errors"]
    assert message.startswith("第 2 个组件（dues.collection_rate）：计算所得的指标")
    assert message in resp.content.decode()
    assert not ScreenLayout.objects.exists()


def test_configuration_page_reset_and_permissions(client, users, tree, root_user):
    do_save_screen_layout(tree.town_a, title="甲镇", widgets=[{"figure": "members.total", "kind": "number"}],
                          acting_user=users.admin)
    client.force_login(users.admin)
    resp = client.post(f"/stats/screen/{tree.town_a.pk}/configure/", {"reset": "1"})
    assert resp.status_code == 302 and not ScreenLayout.objects.exists()
    client.force_login(users.organizer)  # sees town_a's screen, may not configure it
    assert client.get(f"/stats/screen/{tree.town_a.pk}/configure/").status_code == 403
    assert client.get("/stats/screen/configure/").status_code == 403
    admin_b = make_user("admin-b", Role.COUNTY_ADMIN, tree.town_b, acting_user=root_user)
    client.force_login(admin_b)
    assert client.get(f"/stats/screen/{tree.town_a.pk}/configure/").status_code == 404
    assert client.get(f"/stats/screen/{tree.town_b.pk}/configure/").status_code == 200
