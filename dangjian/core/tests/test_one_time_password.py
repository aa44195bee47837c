"""A password an administrator sets (a new account's, or a reset) is a one-time password: the
account reaches nothing but the password-change page until the user has changed it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core.actions import do_create_account, do_reset_password
from dangjian.core.roles import Role

NEW_PASSWORD = "my-own-Long-pass-42"


@pytest.fixture
def handed_over(users, tree):
    """A new secretary account and the one-time password its administrator hands over."""
    return do_create_account(username="new-secretary", name="新书记", email="", role=Role.SECRETARY,
                             organization=tree.branch_b1, acting_user=users.admin)


def web_login(username: str, password: str) -> Client:
    client = Client()
    client.post("/accounts/login/", {"login": username, "password": password})
    assert "_auth_user_id" in client.session
    return client


def test_every_page_leads_to_the_password_change_after_a_first_login(handed_over):
    user, password = handed_over
    client = web_login(user.username, password)
    for path in ("/", reverse("core:account_list"), "/notifications/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_change_password"))
    assert client.get(reverse("account_change_password")).status_code == 200


def test_changing_the_password_lets_the_user_in(handed_over):
    user, password = handed_over
    client = web_login(user.username, password)
    response = client.post(reverse("account_change_password"),
                           {"oldpassword": password, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/").status_code == 200


def test_a_password_reset_by_an_administrator_must_be_changed_too(users):
    password = do_reset_password(users.secretary, acting_user=users.admin)
    client = web_login("secretary-a1", password)
    assert client.get("/").status_code == 302


def test_api_login_with_a_one_time_password_names_the_reason(handed_over):
    user, password = handed_over
    response = Client().post("/api/v1/auth/login", {"username": user.username, "password": password},
                             content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"


def test_api_session_reads_wait_for_the_change_too(handed_over):
    user, password = handed_over
    client = web_login(user.username, password)
    response = client.get("/api/v1/me")
    assert response.status_code == 403 and response.json()["code"] == "password_change_required"
