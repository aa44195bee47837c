"""Editing rights follow the organization tree: a town's publicity officer edits only the
town's section subtree; nobody without Wagtail's publish right can publish directly."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from wagtail.models import Page

from dangjian.core.actions import do_revoke_role
from dangjian.core.roles import Role
from dangjian.portal.actions import (
    do_create_article,
    do_publish_page,
    do_sync_all_editors,
    do_sync_editor_groups,
)
from dangjian.portal.tests.conftest import text

pytestmark = pytest.mark.django_db


def test_town_editor_edits_only_the_towns_section(portal):
    a = portal.editor_a
    assert portal.town_a.permissions_for_user(a).can_add_subpage()
    assert portal.town_a.permissions_for_user(a).can_edit()
    assert not portal.town_b.permissions_for_user(a).can_add_subpage()
    assert not portal.town_b.permissions_for_user(a).can_edit()
    assert not portal.news.permissions_for_user(a).can_edit()
    assert not portal.home.permissions_for_user(a).can_edit()
    article = do_create_article(portal.town_a, {"title": "甲镇动态", "body": text("<p>x</p>")}, acting_user=a)
    assert article.permissions_for_user(a).can_edit()
    assert not article.permissions_for_user(portal.editor_b).can_edit()
    with pytest.raises(PermissionDenied):
        do_create_article(portal.town_b, {"title": "越权", "body": text("<p>x</p>")}, acting_user=a)


def test_county_editor_covers_every_section_below(portal):
    c = portal.county_editor
    for section in (portal.news, portal.notices, portal.town_a, portal.town_b):
        assert section.permissions_for_user(c).can_add_subpage()


def test_explorer_shows_the_editor_only_their_subtree(portal, client):
    from wagtail.permission_policies.pages import PagePermissionPolicy

    root = PagePermissionPolicy().explorable_root_instance(portal.editor_a)
    assert root.pk == portal.town_a.pk
    client.force_login(portal.editor_a)
    assert client.get(f"/cms/pages/{portal.town_a.pk}/").status_code == 200
    assert client.get(f"/cms/pages/{portal.town_b.pk}/edit/").status_code in (302, 403)


def test_editor_without_publish_right_cannot_publish(portal, client):
    a = portal.editor_a
    article = do_create_article(portal.town_a, {"title": "待审稿件", "body": text("<p>x</p>")}, acting_user=a)
    assert not article.permissions_for_user(a).can_publish()
    with pytest.raises(PermissionDenied):
        do_publish_page(article, acting_user=a)
    # Nor through the Wagtail admin: the publish button's POST is refused, the page stays a draft.
    client.force_login(a)
    resp = client.get(f"/cms/pages/{article.pk}/edit/")
    assert resp.status_code == 200
    assert b"action-publish" not in resp.content
    client.post(f"/cms/pages/{article.pk}/edit/", _edit_form(article, "强行发布"))
    article.refresh_from_db()
    assert not article.live
    assert article.get_latest_revision().content["title"] == "强行发布"  # saved as a draft only
    # The same form posted by an administrator does publish (the data is valid).
    client.force_login(portal.root)
    client.post(f"/cms/pages/{article.pk}/edit/", _edit_form(article, "管理员发布"))
    article.refresh_from_db()
    assert article.live and article.title == "管理员发布"


def _edit_form(article, title):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

    return nested_form_data({
        "title": title, "slug": article.slug, "date": "2026-11-25 10:00:00", "summary": "", "author": "",
        "body": streamfield([("text", rich_text("<p>正文</p>"))]), "comments_open": "on",
        "comments": inline_formset([]), "action-publish": "action-publish",
    })


def test_rights_follow_role_grant_and_revoke(portal, tree, root_user):
    from dangjian.core.actions import do_grant_role

    user = portal.editor_b
    assert not portal.town_a.permissions_for_user(user).can_edit()
    assignment = do_grant_role(user, Role.PUBLICITY, tree.town_a, acting_user=root_user)
    assert do_sync_editor_groups(user)
    user = type(user).objects.get(pk=user.pk)
    assert portal.town_a.permissions_for_user(user).can_edit()
    do_revoke_role(assignment, acting_user=root_user)
    assert do_sync_all_editors() >= 1
    user = type(user).objects.get(pk=user.pk)
    assert not portal.town_a.permissions_for_user(user).can_edit()
    assert portal.town_b.permissions_for_user(user).can_edit()


def test_sign_in_syncs_rights(portal, tree, root_user, client):
    from dangjian.core.actions import do_grant_role
    from dangjian.testing.fixtures import PASSWORD

    user = portal.editor_b
    do_grant_role(user, Role.PUBLICITY, tree.town_a, acting_user=root_user)
    resp = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert resp.status_code == 302
    user = type(user).objects.get(pk=user.pk)
    assert portal.town_a.permissions_for_user(user).can_edit()


def test_new_section_gives_its_organization_rights(portal, tree, root_user):
    from dangjian.portal.actions import do_create_section

    sub = do_create_section(portal.town_a, title="甲镇一村", kind="town", organization=tree.branch_a1,
                            acting_user=root_user)
    assert sub.permissions_for_user(portal.editor_a).can_edit()  # inherited from the town section
    assert not sub.permissions_for_user(portal.editor_b).can_edit()
    assert Page.objects.filter(pk=sub.pk).exists()


def test_non_staff_cannot_reach_the_admin(portal, users, client):
    client.force_login(users.member)
    resp = client.get("/cms/")
    assert resp.status_code in (302, 403)


def test_grant_and_revoke_reach_the_cms_rights_at_once(portal, tree, root_user, django_capture_on_commit_callbacks):
    from dangjian.core.actions import do_grant_role

    user = portal.editor_b
    with django_capture_on_commit_callbacks(execute=True):
        assignment = do_grant_role(user, Role.PUBLICITY, tree.town_a, acting_user=root_user)
    user = type(user).objects.get(pk=user.pk)
    assert portal.town_a.permissions_for_user(user).can_edit()  # no sign-in, no periodic job needed
    with django_capture_on_commit_callbacks(execute=True):
        do_revoke_role(assignment, acting_user=root_user)
    user = type(user).objects.get(pk=user.pk)
    assert not portal.town_a.permissions_for_user(user).can_edit()
