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


# --- What the description documents (core.apikit.openapi) ----------------------------------------

def _responses(spec: dict, method: str, path: str) -> set[str]:
    return set(spec["paths"][f"/api/v1{path}"][method]["responses"])


def test_shared_error_answers_are_documented_where_they_can_happen(client):
    spec = client.get("/api/v1/openapi.json").json()
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            has_body = "requestBody" in op
            if op.get("security"):
                assert "401" in codes, (method, path)
            if has_body:
                assert {"400", "422"} <= codes, (method, path)
            if op.get("parameters") or has_body:
                assert "422" in codes, (method, path)
                assert op["responses"]["422"]["content"]["application/json"]["schema"] == error_ref
    # Each of the answers schemathesis found undocumented.
    assert {"200", "422"} <= _responses(spec, "get", "/channels/app-feed")
    assert {"200", "404", "422", "429"} <= _responses(spec, "get", "/opinions/track")
    assert {"201", "400", "401", "422", "429"} <= _responses(spec, "post", "/opinions")
    assert {"200", "400", "401", "403", "422", "429"} <= _responses(spec, "post", "/auth/login")
    # A read with no parameters gets no 422 it can never give.
    assert _responses(spec, "get", "/forum/boards") == {"200"}
    assert spec["components"]["schemas"]["ErrorOut"]["properties"]["errors"]


def test_a_development_person_may_have_no_member(client):
    """Development's PersonOut (a name typed in has no member) is the one described, not orglife's."""
    person = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["PersonOut"]
    assert set(person["properties"]) == {"role", "name", "member"}
    assert {"type": "null"} in person["properties"]["member"]["anyOf"]


def test_two_models_under_one_name_are_refused():
    from django.core.exceptions import ImproperlyConfigured
    from ninja import Router, Schema

    from dangjian.core.apikit.openapi import Api

    def make(field: str) -> type[Schema]:
        return type("ThingOut", (Schema,), {"__annotations__": {field: int}, "__module__": f"probe_{field}"})

    api = Api(urls_namespace="probe-api")
    router = Router()
    first, second = make("a"), make("b")

    @router.get("/a", response=list[first])
    def list_a(request):
        return []

    @router.get("/b", response=list[second])
    def list_b(request):
        return []

    api.add_router("", router)
    with pytest.raises(ImproperlyConfigured, match="ThingOut"):
        api.get_openapi_schema(path_prefix="/probe/")
