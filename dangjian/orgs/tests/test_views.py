"""Organization tree and pages: scope matrix, lazy children, create/edit through the actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent
from dangjian.orgs.models import Organization
from dangjian.testing.fixtures import make_member

pytestmark = pytest.mark.django_db

# Roots of the tree page per user; None = refused with 403.
TREE_ROOTS = {
    "admin": "county",
    "secretary": "branch_a1",
    "organizer": "town_a",
    "publicity": "town_a",
    "discipline": "town_a",
    "handler": None,
    "member": None,
    "public": None,
    "nobody": None,
}
# (user) → {org: status} for the detail page and the edit page.
DETAIL = {
    "admin": {"town_a": 200, "town_b": 200},
    "secretary": {"branch_a1": 200, "town_a": 404, "branch_a2": 404},
    "organizer": {"town_a": 200, "branch_a2": 200, "town_b": 404, "county": 404},
    "publicity": {"town_a": 200, "town_b": 404},
    "discipline": {"branch_a1": 200, "branch_b1": 404},
    "handler": {"town_a": 404, "town_b": 404},
    "member": {"branch_a1": 404},
    "public": {"branch_a1": 404},
    "nobody": {"branch_a1": 404},
}
EDIT = {
    "admin": {"town_a": 200, "branch_b1": 200},
    "secretary": {"branch_a1": 200, "branch_a2": 404},
    "organizer": {"town_a": 403, "town_b": 404},  # may view, not change
    "publicity": {"town_a": 403, "town_b": 404},
    "discipline": {"branch_a1": 403, "branch_b1": 404},
    "handler": {"town_a": 404},
    "member": {"branch_a1": 404},
    "public": {"branch_a1": 404},
    "nobody": {"branch_a1": 404},
}


@pytest.mark.parametrize("who", list(TREE_ROOTS))
def test_tree_scope_matrix(client, tree, users, who):
    client.force_login(getattr(users, who))
    response = client.get(reverse("orgs:tree"))
    root = TREE_ROOTS[who]
    if root is None:
        assert response.status_code == 403
        assert tree.county.name not in response.content.decode()
        return
    assert response.status_code == 200
    assert [o.pk for o in response.context["nodes"]] == [getattr(tree, root).pk]
    html = response.content.decode()
    assert getattr(tree, root).display_name in html
    if root != "county":
        assert tree.county.name not in html and tree.town_b.name not in html


def test_tree_anonymous_redirected(client, tree):
    response = client.get(reverse("orgs:tree"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_tree_counts_and_lazy_children(client, tree, users):
    client.force_login(users.admin)
    response = client.get(reverse("orgs:tree"))
    (county,) = response.context["nodes"]
    assert county.member_count == 4
    html = response.content.decode()
    assert reverse("orgs:children", args=[tree.county.pk]) in html
    response = client.get(reverse("orgs:children", args=[tree.county.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    counts = {o.name: o.member_count for o in response.context["nodes"]}
    assert counts == {tree.town_a.name: 3, tree.town_b.name: 1}
    assert "<html" not in response.content.decode()  # a partial, not a page
    # Leaves have no expander.
    leaf = client.get(reverse("orgs:children", args=[tree.town_b.pk])).content.decode()
    assert tree.branch_b1.name in leaf and "hx-get" not in leaf


def test_children_out_of_scope_is_404(client, tree, users):
    client.force_login(users.secretary)
    assert client.get(reverse("orgs:children", args=[tree.town_a.pk])).status_code == 404
    assert client.get(reverse("orgs:children", args=[tree.county.pk])).status_code == 404


def test_children_query_count_bounded(client, tree, users, root_user, django_assert_max_num_queries):
    from dangjian.orgs.actions import do_create_organization

    for i in range(15):
        org = do_create_organization(tree.town_b, {"name": f"乙镇{i}村党支部", "kind": "branch"}, acting_user=root_user)
        make_member(org, f"周{i}", acting_user=root_user)
    client.force_login(users.admin)
    with django_assert_max_num_queries(7):
        response = client.get(reverse("orgs:children", args=[tree.town_b.pk]))
    assert len(response.context["nodes"]) == 16
    assert all(o.member_count == 1 for o in response.context["nodes"])


@pytest.mark.parametrize("who", list(DETAIL))
def test_detail_scope_matrix(client, tree, users, who):
    client.force_login(getattr(users, who))
    for key, code in DETAIL[who].items():
        org = getattr(tree, key)
        response = client.get(reverse("orgs:detail", args=[org.pk]))
        assert response.status_code == code, (who, key)
        assert (org.name in response.content.decode()) == (code == 200)


@pytest.mark.parametrize("who", list(EDIT))
def test_edit_scope_matrix(client, tree, users, who):
    client.force_login(getattr(users, who))
    for key, code in EDIT[who].items():
        org = getattr(tree, key)
        url = reverse("orgs:edit", args=[org.pk])
        assert client.get(url).status_code == code, (who, key)
        response = client.post(url, {"name": "改名", "kind": org.kind, "unit_situation": "legal_person", "term_years": 3})
        assert response.status_code == (302 if code == 200 else code), (who, key)
        org.refresh_from_db()
        assert (org.name == "改名") == (code == 200)


def test_breadcrumbs_only_in_scope(client, tree, users):
    client.force_login(users.secretary)
    html = client.get(reverse("orgs:detail", args=[tree.branch_a1.pk])).content.decode()
    assert tree.town_a.name not in html and tree.county.name not in html
    client.force_login(users.organizer)
    response = client.get(reverse("orgs:detail", args=[tree.branch_a1.pk]))
    assert [o.pk for o in response.context["breadcrumbs"]] == [tree.town_a.pk]


def test_detail_shows_record_children_groups_and_member_link(client, tree, users, root_user):
    from dangjian.orgs.actions import do_create_party_group, do_update_organization

    do_update_organization(tree.branch_a1, {"secretary_name": "张书记", "postcode": "221000"}, acting_user=root_user)
    do_create_party_group(tree.branch_a1, "第一党小组", leader_name="李组长", acting_user=root_user)
    client.force_login(users.organizer)
    html = client.get(reverse("orgs:detail", args=[tree.branch_a1.pk])).content.decode()
    assert "张书记" in html and "221000" in html and "第一党小组" in html and "李组长" in html
    assert f"{reverse('members:list')}?org={tree.branch_a1.pk}" in html
    response = client.get(reverse("orgs:detail", args=[tree.town_a.pk]))
    assert {c.pk: c.member_count for c in response.context["children"]} == {tree.branch_a1.pk: 2, tree.branch_a2.pk: 1}
    # Publicity may see the organization but not the member registry: no members link.
    client.force_login(users.publicity)
    html = client.get(reverse("orgs:detail", args=[tree.branch_a1.pk])).content.decode()
    assert f"?org={tree.branch_a1.pk}" not in html


def test_create_child(client, tree, users):
    client.force_login(users.admin)
    url = reverse("orgs:create", args=[tree.town_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "甲镇三村党支部", "kind": "branch", "unit_situation": "legal_person",
                                 "term_years": 5, "established_on": "2001-07-01", "postcode": "221001"})
    assert response.status_code == 302
    org = Organization.objects.get(name="甲镇三村党支部")
    assert org.get_parent().pk == tree.town_a.pk and org.term_years == 5
    assert AuditEvent.objects.filter(action="org.created", target_id=str(org.pk)).exists()


def test_create_child_errors_on_fields_and_nothing_written(client, tree, users):
    client.force_login(users.admin)
    url = reverse("orgs:create", args=[tree.town_a.pk])
    before = Organization.objects.count()
    response = client.post(url, {"name": "甲镇网格党支部", "kind": "grid_branch", "unit_situation": "legal_person",
                                 "term_years": 3})
    assert response.status_code == 200 and "grid_type" in response.context["form"].errors
    response = client.post(url, {"name": "甲镇四村党支部", "kind": "branch", "unit_situation": "legal_person",
                                 "term_years": 3, "postcode": "22a"})
    assert "postcode" in response.context["form"].errors
    assert 'class="field-error"' in response.content.decode()
    assert Organization.objects.count() == before


def test_cannot_create_under_branch_or_without_change_right(client, tree, users):
    client.force_login(users.secretary)
    assert client.get(reverse("orgs:create", args=[tree.branch_a1.pk])).status_code == 403
    client.force_login(users.organizer)
    assert client.get(reverse("orgs:create", args=[tree.town_a.pk])).status_code == 403
    assert client.get(reverse("orgs:create", args=[tree.town_b.pk])).status_code == 404


def test_edit_writes_audit(client, tree, users):
    client.force_login(users.secretary)
    url = reverse("orgs:edit", args=[tree.branch_a1.pk])
    form = client.get(url).context["form"]
    assert form.initial["name"] == tree.branch_a1.name
    data = {"name": tree.branch_a1.name, "kind": "branch", "unit_situation": "legal_person", "term_years": 5,
            "secretary_name": "王书记", "contact_phone": "0516-1234567", "is_active": "on"}
    assert client.post(url, data).status_code == 302
    event = AuditEvent.objects.filter(action="org.updated", target_id=str(tree.branch_a1.pk)).get()
    assert event.after == {"secretary_name": "王书记", "contact_phone": "0516-1234567", "term_years": 5}
    html = client.get(reverse("orgs:detail", args=[tree.branch_a1.pk])).content.decode()
    assert "王书记" in html
