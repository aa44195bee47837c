"""Error pages are the site's own (issue 13 §5): phone-sized (viewport), Chinese by default,
with a link home; a PermissionDenied on /cases/ renders the page with its reason."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'


def assert_site_page(response, status: int, chinese: str) -> str:
    assert response.status_code == status
    html = response.content.decode()
    assert VIEWPORT in html and chinese in html and 'href="/"' in html and "data-home" in html
    return html


def test_404_for_a_stale_case_link(client, users):
    client.force_login(users.secretary)
    assert_site_page(client.get("/cases/999999/"), 404, "页面不存在")


def test_404_for_anonymous(client, db):
    assert_site_page(client.get("/no-such-page/"), 404, "页面不存在")


def test_404_in_english_when_asked(client, db):
    html = client.get("/no-such-page/?lang=en").content.decode()
    assert "Page not found" in html and VIEWPORT in html


def test_403_on_cases_renders_the_page_with_the_reason(client, users):
    client.force_login(users.member)  # a party member: no cases role
    html = assert_site_page(client.get("/cases/"), 403, "无权访问")
    assert "403 Forbidden" not in html


def test_400_for_a_bad_host(client, db):
    assert_site_page(client.get("/", HTTP_HOST="bad host"), 400, "请求无效")


@override_settings(ROOT_URLCONF="dangjian.core.tests.urls_boom")
def test_500_is_standalone_and_chinese(db):
    client = Client(raise_request_exception=False)
    html = assert_site_page(client.get("/test-boom/"), 500, "服务器出错")
    assert "boom" not in html


def test_csrf_failure(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users.secretary)
    assert_site_page(client.post("/me/preferences/", {}), 403, "表单已过期")


@pytest.mark.parametrize("path", ["/no-such-page/", "/cases/999999/"])
def test_back_link_only_to_this_site(client, users, path):
    client.force_login(users.secretary)
    html = client.get(path, HTTP_REFERER="http://testserver/members/").content.decode()
    assert 'href="http://testserver/members/"' in html
    html = client.get(path, HTTP_REFERER="https://evil.example/").content.decode()
    assert "evil.example" not in html
