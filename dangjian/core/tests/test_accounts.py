import pytest
from django.urls import reverse

from dangjian.core.models import AuditEvent, RoleAssignment, User
from dangjian.core.roles import Role
from dangjian.testing.fixtures import make_user


@pytest.fixture
def town_admin(users, tree, root_user):
    """An administrator whose scope is town_a only."""
    return make_user("town-a-admin", Role.COUNTY_ADMIN, tree.town_a, acting_user=root_user)


def test_admin_creates_account_with_one_time_password(client, users, tree):
    client.force_login(users.admin)
    response = client.post(reverse("core:account_create"), {
        "username": "new-secretary", "name": "新书记", "email": "", "role": Role.SECRETARY,
        "organization": tree.branch_b1.pk,
    })
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    user = User.objects.get(username="new-secretary")
    assert user.check_password(password)
    assert RoleAssignment.objects.filter(user=user, role=Role.SECRETARY, organization=tree.branch_b1).exists()
    assert AuditEvent.objects.filter(action="user.created", target_id=str(user.pk)).exists()
    assert AuditEvent.objects.filter(action="role.granted", target_id=str(user.pk)).exists()
    assert password not in str(list(AuditEvent.objects.values_list("after", flat=True)))
    client.logout()
    assert client.login(username="new-secretary", password=password)


def test_duplicate_username_is_a_field_error(client, users, tree):
    client.force_login(users.admin)
    response = client.post(reverse("core:account_create"), {
        "username": "secretary-a1", "role": Role.SECRETARY, "organization": tree.branch_b1.pk,
    })
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.filter(username="secretary-a1").count() == 1


@pytest.mark.parametrize("who", ["secretary", "organizer", "publicity", "discipline", "handler", "member", "public", "nobody"])
def test_only_administrators_manage_accounts(client, users, who):
    client.force_login(getattr(users, who))
    assert client.get(reverse("core:account_list")).status_code == 403
    assert client.get(reverse("core:account_create")).status_code == 403


def test_town_admin_sees_only_accounts_in_town(client, users, tree, town_admin):
    client.force_login(town_admin)
    response = client.get(reverse("core:account_list"))
    names = {u.username for u in response.context["accounts"]}
    assert "secretary-a1" in names and "organizer-a" in names
    assert "county-admin" not in names  # role on the county, above town_a
    county_admin = users.admin
    assert client.get(reverse("core:account_detail", args=[county_admin.pk])).status_code == 404
    # Cannot grant on an organization outside the scope, nor create an account there.
    secretary = users.secretary
    response = client.post(reverse("core:account_detail", args=[secretary.pk]),
                           {"role": Role.ORGANIZER, "organization": tree.branch_b1.pk})
    assert response.status_code == 404
    assert not RoleAssignment.objects.filter(user=secretary, organization=tree.branch_b1).exists()
    response = client.post(reverse("core:account_create"),
                           {"username": "x1", "role": Role.SECRETARY, "organization": tree.branch_b1.pk})
    assert response.status_code == 404
    assert not User.objects.filter(username="x1").exists()


def test_grant_and_revoke(client, users, tree):
    client.force_login(users.admin)
    url = reverse("core:account_detail", args=[users.secretary.pk])
    response = client.post(url, {"role": Role.ORGANIZER, "organization": tree.branch_a2.pk})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=users.secretary, role=Role.ORGANIZER)
    response = client.post(reverse("core:assignment_revoke", args=[assignment.pk]))
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoked", target_id=str(users.secretary.pk)).exists()


def test_town_admin_cannot_revoke_role_outside_scope(client, users, town_admin):
    client.force_login(town_admin)
    county_role = RoleAssignment.objects.get(user=users.admin)
    assert client.post(reverse("core:assignment_revoke", args=[county_role.pk])).status_code == 404
    assert RoleAssignment.objects.filter(pk=county_role.pk).exists()


def test_reset_password(client, users):
    client.force_login(users.admin)
    response = client.post(reverse("core:account_reset_password", args=[users.secretary.pk]))
    password = response.context["password"]
    users.secretary.refresh_from_db()
    assert users.secretary.check_password(password)
    assert AuditEvent.objects.filter(action="user.password_reset").count() == 1


def test_account_list_query_count_is_bounded(client, users, tree, root_user, django_assert_max_num_queries):
    client.force_login(users.admin)
    for i in range(20):
        make_user(f"extra-{i}", Role.ORGANIZER, tree.branch_b1, acting_user=root_user)
    # 11: the navigation asks the service centre whether the user works or manages a grid
    with django_assert_max_num_queries(11):
        response = client.get(reverse("core:account_list"))
    assert response.status_code == 200 and len(response.context["accounts"]) == 25


def test_self_registration_makes_a_public_user_without_scope(client, tree):
    response = client.post("/accounts/signup/", {
        "username": "citizen-zhang", "email": "", "password1": "a-long-Passphrase-42", "password2": "a-long-Passphrase-42",
    })
    assert response.status_code == 302
    user = User.objects.get(username="citizen-zhang")
    assert list(user.role_assignments.values_list("role", "organization")) == [(Role.PUBLIC, None)]
    assert AuditEvent.objects.filter(action="user.registered", target_id=str(user.pk)).exists()
    assert client.get(reverse("members:list")).status_code == 403
    assert client.get(f"/members/{tree.alice.pk}/").status_code == 404
    assert client.get("/api/v1/members").json()["count"] == 0


def test_web_login_with_totp_asks_for_the_code(client, users):
    from dangjian.testing.fixtures import PASSWORD, activate_totp

    current_code = activate_totp(users.admin)
    response = client.post("/accounts/login/", {"login": "county-admin", "password": PASSWORD})
    assert response.status_code == 302 and "/2fa/authenticate" in response["Location"]
    assert "_auth_user_id" not in client.session  # the password alone does not sign in
    response = client.post(response["Location"], {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": current_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users.admin.pk)


def test_town_admin_cannot_reset_password_of_higher_account(client, users, tree, town_admin, root_user):
    from dangjian.core.actions import do_grant_role

    # The county admin also holds a role inside town_a: still not the town admin's to take over.
    do_grant_role(users.admin, Role.MEMBER, tree.branch_a1, acting_user=root_user)
    do_grant_role(root_user, Role.MEMBER, tree.branch_a2, acting_user=root_user)
    client.force_login(town_admin)
    for target in (users.admin, root_user):
        before = User.objects.get(pk=target.pk).password
        response = client.post(reverse("core:account_reset_password", args=[target.pk]))
        assert response.status_code in (403, 404)
        assert User.objects.get(pk=target.pk).password == before
    # An account wholly inside the town is fine.
    assert client.post(reverse("core:account_reset_password", args=[users.secretary.pk])).status_code == 200


def test_password_reset_and_change_revoke_api_tokens(client, users):
    from dangjian.core.actions import do_issue_api_token
    from dangjian.testing.fixtures import PASSWORD

    token = do_issue_api_token(users.secretary)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    client.force_login(users.admin)
    client.post(reverse("core:account_reset_password", args=[users.secretary.pk]))
    client.logout()
    assert client.get("/api/v1/me", headers=headers).status_code == 401

    token = do_issue_api_token(users.organizer)
    headers = {"Authorization": f"Bearer {token}"}
    client.force_login(users.organizer)
    response = client.post("/accounts/password/change/", {
        "oldpassword": PASSWORD, "password1": "another-Long-pass-77", "password2": "another-Long-pass-77",
    })
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="user.password_changed", target_id=str(users.organizer.pk)).exists()
    client.logout()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_account_pages_do_not_name_organizations_outside_scope(client, users, tree, town_admin, root_user):
    from dangjian.core.actions import do_grant_role

    do_grant_role(users.secretary, Role.ORGANIZER, tree.branch_b1, acting_user=root_user)  # town_b: outside
    client.force_login(town_admin)
    for url in (reverse("core:account_list"), reverse("core:account_detail", args=[users.secretary.pk])):
        html = client.get(url).content.decode()
        assert tree.branch_b1.name not in html and tree.county.name not in html
        assert tree.branch_a1.name in html or tree.branch_a1.display_name in html
    html = client.get(reverse("core:account_detail", args=[users.secretary.pk])).content.decode()
    assert reverse("core:account_reset_password", args=[users.secretary.pk]) not in html  # not wholly in scope
