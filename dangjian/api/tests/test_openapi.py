"""OpenAPI schema, the docs page (vendored Swagger UI under our CSP), JSON 404 for unknown paths."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db



@pytest.fixture
def plain_static(settings):
    """Serve static files without the manifest (no collectstatic in tests)."""
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


PATHS = [
    "/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/me", "/api/v1/orgs", "/api/v1/orgs/{org_id}",
    "/api/v1/orgs/{org_id}/children", "/api/v1/members", "/api/v1/members/{member_id}",
]


def test_openapi_json_lists_the_paths(client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["openapi"].startswith("3.")
    for path in PATHS:
        assert path in spec["paths"], path
    assert spec["components"]["securitySchemes"]["ApiTokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"ApiTokenAuth": []} in spec["paths"]["/api/v1/members"]["get"]["security"]
    assert "security" not in spec["paths"]["/api/v1/auth/login"]["post"]
    assert spec["paths"]["/api/v1/members"]["get"]["responses"]["422"]


def test_docs_page_uses_only_vendored_files(client, plain_static):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    html = r.content.decode()
    srcs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert srcs, html
    for src in srcs:
        assert src.startswith("/static/"), src
        assert finders.find(src.removeprefix("/static/")), src
    # No executable inline script (the settings block is JSON data), no inline styles.
    for attrs, _body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
    assert "style=" not in html
    assert "script-src" in r["Content-Security-Policy"]


def test_vendored_swagger_has_licence_and_version():
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "VERSION"):
        assert finders.find(f"vendor/swagger-ui/{name}"), name


def test_unknown_api_path_is_json_404(client):
    for method in (client.get, client.post):
        r = method("/api/v1/no/such/thing")
        assert r.status_code == 404
        assert r.json()["code"] == "not_found"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_renders_under_csp(plain_static, live_server, browser_page):
    violations: list[str] = []
    browser_page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    browser_page.goto(f"{live_server.url}/api/v1/docs")
    browser_page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    assert "Dangjian Cloud API" in browser_page.inner_text(".swagger-ui .info")
    assert browser_page.locator(".opblock-summary-path", has_text="/api/v1/members").count() >= 1
    assert violations == []
