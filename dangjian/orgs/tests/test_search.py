"""The organization search picker (orgs/search.py): the indexed name search, the htmx endpoint
and its scopes, the form field's validation, and the no-JavaScript search button."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from dangjian.members.transfers.models import Transfer
from dangjian.orgs import search
from dangjian.orgs.actions import do_create_organization, do_update_organization
from dangjian.orgs.models import Organization

pytestmark = pytest.mark.django_db

URL = "/orgs/search/"


def _get(client: Any, q: str, scope: str = "transfer_target", field: str = "to_org", **extra: Any) -> Any:
    return client.get(URL, {"scope": scope, "field": field, f"{field}_q": q, **extra})


def _radio_values(html: str, field: str = "to_org") -> list[str]:
    import re

    return re.findall(rf'name="{field}" value="(\d+)"', html)


def test_search_finds_branches_with_parent_path(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    r = _get(client, "乙镇")  # two characters: the bounded scan
    html = r.content.decode()
    assert r.status_code == 200
    assert _radio_values(html) == [str(tree.branch_b1.pk)]  # the committee 中共乙镇委员会 is not a branch
    assert "中共演示县委员会 › 中共乙镇委员会" in html
    r = _get(client, "镇一村党支")  # five characters: the index
    assert _radio_values(r.content.decode()) == [str(tree.branch_a1.pk)]
    r = _get(client, "党支部")
    assert _radio_values(r.content.decode()) == [str(o.pk) for o in (tree.branch_a1, tree.branch_a2, tree.branch_b1)]
    r = _get(client, "不存在的组织")
    html = r.content.decode()
    assert _radio_values(html) == [] and ("No organization matches" in html or "没有" in html)


def test_search_keeps_the_chosen_one_first(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    html = _get(client, "党支部", to_org=tree.branch_b1.pk).content.decode()
    assert _radio_values(html)[0] == str(tree.branch_b1.pk)
    assert html.count(f'value="{tree.branch_b1.pk}"') == 1 and "checked" in html


def test_inactive_branches_are_not_offered(client: Any, tree: Any, users: Any, root_user: Any) -> None:
    do_update_organization(tree.branch_a2, {"is_active": False}, acting_user=root_user)
    client.force_login(users.secretary)
    assert str(tree.branch_a2.pk) not in _radio_values(_get(client, "二村党支部").content.decode())


def test_index_follows_renames_and_new_branches(client: Any, tree: Any, users: Any, root_user: Any) -> None:
    do_update_organization(tree.branch_b1, {"name": "乙镇幸福社区党支部"}, acting_user=root_user)
    new = do_create_organization(tree.town_b, {"name": "乙镇幸福小区党支部", "kind": "branch"}, acting_user=root_user)
    client.force_login(users.secretary)
    assert _radio_values(_get(client, "幸福社区").content.decode()) == [str(tree.branch_b1.pk)]
    assert _radio_values(_get(client, "幸福小区").content.decode()) == [str(new.pk)]
    assert _radio_values(_get(client, "乙镇社区党").content.decode()) == []  # the old name is gone
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {search.FTS_TABLE}")  # noqa: S608
            assert cur.fetchone()[0] == Organization.objects.count()


def test_many_matches_are_capped_with_a_hint(client: Any, tree: Any, users: Any, root_user: Any,
                                             django_assert_max_num_queries: Any) -> None:
    for i in range(search.DEFAULT_LIMIT + 5):
        do_create_organization(tree.town_b, {"name": f"乙镇第{i}网格党支部", "kind": "grid_branch", "grid_type": "community"},
                               acting_user=root_user)
    client.force_login(users.secretary)
    _get(client, "网格党支部")  # warm the session and scope caches
    for q in ("网格党支部", "网格"):
        with django_assert_max_num_queries(8):
            r = _get(client, q)
        assert len(_radio_values(r.content.decode())) == search.DEFAULT_LIMIT
        assert "请输入更多" in r.content.decode() or "type more" in r.content.decode()


@pytest.mark.parametrize(("who", "scope", "status"), [
    ("secretary", "transfer_target", 200), ("organizer", "transfer_target", 200),
    ("member", "transfer_target", 200),  # a member asking for their own transfer
    ("public", "transfer_target", 404), ("nobody", "transfer_target", 404), ("handler", "transfer_target", 404),
    ("secretary", "floating_host", 200), ("member", "floating_host", 404), ("discipline", "floating_host", 404),
    ("secretary", "no_such_scope", 404),
])
def test_who_may_search(client: Any, tree: Any, users: Any, who: str, scope: str, status: int) -> None:
    client.force_login(getattr(users, who))
    assert _get(client, "党支部", scope=scope, field="to_org").status_code == status


def test_anonymous_is_sent_to_login(client: Any, tree: Any) -> None:
    r = _get(client, "党支部")
    assert r.status_code == 302 and "login" in r["Location"]


def test_field_name_is_checked(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    assert client.get(URL, {"scope": "transfer_target", "field": '"><script>'}).status_code == 404


def test_field_refuses_an_organization_outside_the_scope(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    r = client.post("/transfers/new/", {"member": tree.alice.pk, "target": "platform", "to_org": tree.town_b.pk,
                                        "reason": "调动", "validity_days": 30})
    assert r.status_code == 200 and 'class="field-error"' in r.content.decode()
    assert not Transfer.objects.exists()
    r = client.post("/transfers/new/", {"member": tree.alice.pk, "target": "platform", "to_org": "x",
                                        "reason": "调动", "validity_days": 30})
    assert r.status_code == 200 and not Transfer.objects.exists()


def test_search_button_without_javascript(client: Any, tree: Any, users: Any) -> None:
    """The Search button posts the form: the page comes back with the matches and what was typed,
    and nothing is started."""
    client.force_login(users.secretary)
    r = client.post("/transfers/new/", {"member": tree.alice.pk, "target": "platform", "to_org_q": "社区",
                                        "to_org_search": "1", "reason": "调动", "validity_days": 30})
    html = r.content.decode()
    assert r.status_code == 200 and not Transfer.objects.exists()
    assert _radio_values(html) == [str(tree.branch_b1.pk)] and 'value="社区"' in html
    assert 'class="field-error"' not in html and "调动" in html
    r = client.post("/transfers/new/", {"member": tree.alice.pk, "target": "platform", "to_org_q": "社区",
                                        "to_org": tree.branch_b1.pk, "reason": "调动", "validity_days": 30})
    assert r.status_code == 302 and Transfer.objects.get().to_org_id == tree.branch_b1.pk


def test_host_branch_picker_on_the_certificate_page(client: Any, tree: Any, users: Any) -> None:
    client.force_login(users.secretary)
    r = client.post("/lifecycle/floating/issue/", {"member": tree.alice.pk, "host_org_q": "乙镇",
                                                   "host_org_search": "1", "reason": "务工"})
    assert r.status_code == 200 and _radio_values(r.content.decode(), "host_org") == [str(tree.branch_b1.pk)]
    page = client.get("/lifecycle/floating/issue/").content.decode()
    assert 'name="host_org_q"' in page and "orgs/org-search" in page


def test_postgresql_uses_the_trigram_index(tree: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'orgs_org_name_trgm'")
        assert "gin_trgm_ops" in cur.fetchone()[0]


def test_scope_is_applied_before_the_limit(tree: Any, users: Any) -> None:
    """Hundreds of matches elsewhere in the county must not hide a match inside the user's scope."""
    parent = tree.town_a
    crowd = [Organization(name=f"甲镇第{i}网格党支部", kind="grid_branch", depth=parent.depth + 1,
                          path=Organization._get_path(parent.path, parent.depth + 1, 100 + i)) for i in range(600)]
    Organization.objects.bulk_create(crowd)
    mine = do_create_organization(tree.town_b, {"name": "乙镇某网格党支部", "kind": "grid_branch",
                                                "grid_type": "community"}, acting_user=users.admin)
    scope = search.SearchScope("test_town_b", allowed=lambda user: True, within=lambda user: [tree.town_b.path])
    hits, more = search.search(scope, users.secretary, "网格党支部")
    assert [h.pk for h in hits] == [mine.pk] and not more
