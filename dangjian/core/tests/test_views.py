"""Core pages: landing, workbench, member home, preferences, language, PWA files, headers."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

from dangjian.core.hooks import home_items, register_home_item, unregister_home_item
from dangjian.core.models import AuditEvent
from dangjian.orgs.actions import do_update_organization

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs collectstatic; tests serve the source files as they are.
    # (conftest.py's STATICFILES_BACKEND default comes too late: pytest-django has already
    # loaded the settings when the root conftest runs.)
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def html(response) -> str:
    return response.content.decode()


def test_anonymous_sees_public_landing_with_sign_in(client):
    response = client.get("/")
    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "core/landing.html"
    body = html(response)
    assert 'href="/accounts/login/"' in body
    assert 'href="/accounts/signup/"' in body
    # the public parts: the portal and the opinion express lane
    assert 'href="/portal/"' in body
    assert 'href="/opinions/new/"' in body
    # No workbench links for strangers.
    assert 'href="/members/"' not in body


@pytest.mark.parametrize("who", ["admin", "secretary", "organizer", "discipline", "publicity"])
def test_staff_see_the_workbench(client, users, who):
    client.force_login(getattr(users, who))
    response = client.get("/")
    assert response.status_code == 200
    assert "core/workbench.html" in [t.name for t in response.templates]


def test_workbench_counts_only_the_users_scope(client, users, tree):
    client.force_login(users.secretary)  # branch_a1: alice + bob
    cards = client.get("/").context["cards"]
    assert cards[0]["value"] == 2
    assert cards[1]["value"] == 1  # branch_a1 itself
    client.force_login(users.admin)  # the whole county
    cards = client.get("/").context["cards"]
    assert cards[0]["value"] == 4
    assert cards[1]["value"] == 6


def test_nav_follows_permissions(client, users):
    client.force_login(users.secretary)
    body = html(client.get("/"))
    nav = body[body.index('id="nav-sheet"'):body.index("</nav>")]
    assert 'href="/members/"' in nav
    client.force_login(users.publicity)  # orgs.view, not members.view
    body = html(client.get("/"))
    nav = body[body.index('id="nav-sheet"'):body.index("</nav>")]
    assert 'href="/members/"' not in nav


@pytest.mark.parametrize("who", ["public", "nobody"])
def test_signed_in_without_staff_role_or_member_record_sees_welcome(client, users, who):
    client.force_login(getattr(users, who))
    response = client.get("/")
    assert response.status_code == 200
    assert "core/welcome.html" in [t.name for t in response.templates]
    assert 'href="/members/"' not in html(response)


def test_member_is_sent_to_member_home(client, users):
    client.force_login(users.member)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/me/"


def test_member_home_shows_own_data_masked(client, users, tree, root_user):
    do_update_organization(
        tree.branch_a1,
        {"secretary_name": "周书记", "contact_person": "孙联络", "contact_phone": "0516-8888888"},
        acting_user=root_user,
    )
    alice = tree.alice
    client.force_login(users.member)
    response = client.get("/me/")
    assert response.status_code == 200
    body = html(response)
    assert alice.person.name in body
    assert tree.branch_a1.name in body
    assert "周书记" in body and "孙联络" in body and "0516-8888888" in body
    # Only the masked ID and phone appear, never the full numbers.
    assert alice.person.id_number_masked in body
    assert alice.person.id_number not in body
    assert alice.person.phone_masked in body
    assert alice.person.phone not in body
    # Nobody else's record.
    assert tree.bob.person.name not in body
    assert 'href="/me/"' in body  # "My party home" in the nav


def test_member_home_without_linked_record_goes_home(client, users):
    """Not a party member: nothing to show on a member home; their home is the welcome page."""
    client.force_login(users.public)
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "core/welcome.html" in [t.name for t in client.get(response["Location"]).templates]


def test_member_home_requires_login(client):
    response = client.get("/me/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_home_items_registry_feeds_member_home(client, users):
    def provider(request):
        return [{"title": "Dues for May", "body": "12.00 due", "url": "/dues/", "order": 5}]

    def broken(request):
        raise RuntimeError("boom")

    register_home_item(provider)
    register_home_item(broken)
    try:
        client.force_login(users.member)
        body = html(client.get("/me/"))
        assert "Dues for May" in body and 'href="/dues/"' in body
    finally:
        unregister_home_item(provider)
        unregister_home_item(broken)
    assert home_items(None) == []  # type: ignore[arg-type]


def test_preferences_save_and_audit(client, users):
    user = users.secretary
    client.force_login(user)
    response = client.get("/me/preferences/")
    assert response.status_code == 200
    assert 'href="/accounts/2fa/"' in html(response)  # link to TOTP set-up
    response = client.post("/me/preferences/", {"language": "en", "large_font": "on"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en" and user.large_font is True
    event = AuditEvent.objects.filter(action="user.preferences_changed", target_id=str(user.pk)).latest("id")
    assert event.after == {"language": "en", "large_font": True}
    assert response.cookies["large_font"].value == "1"
    # The saved preferences apply to the next page.
    body = html(client.get("/"))
    assert '<html lang="en">' in body
    assert '<body class="large-font' in body


def test_preferences_reject_unknown_language(client, users):
    client.force_login(users.secretary)
    response = client.post("/me/preferences/", {"language": "xx"})
    assert response.status_code == 200
    assert "language" in response.context["form"].errors


def test_large_font_toggle_sets_cookie_for_anonymous(client):
    response = client.post("/me/large-font/", {"large_font": "1", "next": "/offline/"})
    assert response.status_code == 302 and response["Location"] == "/offline/"
    assert response.cookies["large_font"].value == "1"
    assert '<body class="large-font">' in html(client.get("/"))
    # An off-site "next" is refused.
    response = client.post("/me/large-font/", {"large_font": "0", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert '<body class="">' in html(client.get("/"))


def test_large_font_toggle_saves_for_signed_in_user(client, users):
    client.force_login(users.member)
    client.post("/me/large-font/", {"large_font": "1", "next": "/me/"})
    users.member.refresh_from_db()
    assert users.member.large_font is True


def test_language_switch_persists_in_cookie(client):
    assert '<html lang="zh-hans">' in html(client.get("/"))
    response = client.get("/?lang=en")
    assert '<html lang="en">' in html(response)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # No ?lang= on the next request: the cookie keeps English.
    body = html(client.get("/"))
    assert '<html lang="en">' in body
    # The switch links point at the same page in each language; the current one is marked.
    assert re.search(r'href="/\?lang=en"[^>]*aria-current="true"', body)
    assert 'href="/?lang=zh-hans"' in body


def test_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["display"] == "standalone" and data["start_url"].startswith("/")
    assert data["name"] and data["short_name"] and data["theme_color"]
    sizes = {(i["sizes"], i["purpose"]) for i in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in data["icons"]:
        assert icon["src"].startswith(settings.STATIC_URL)
        found = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        assert found, icon["src"]
        with open(found, "rb") as f:
            content = f.read()
        assert content[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]


def test_service_worker_served_at_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = html(response)
    assert '"/offline/"' in body and "/static/css/app.css" in body
    # Pages: network first, offline fallback.
    assert "caches.match(OFFLINE_URL)" in body
    # Web push: shows the notification and opens its link on click.
    assert 'addEventListener("push"' in body and 'addEventListener("notificationclick"' in body


def test_offline_page(client):
    response = client.get("/offline/")
    assert response.status_code == 200
    assert "core/offline.html" in [t.name for t in response.templates]


def test_base_shell_is_accessible_and_csp_clean(client, users):
    client.force_login(users.secretary)
    body = html(client.get("/"))
    assert 'class="skip-link" href="#main"' in body
    assert '<main id="main"' in body and "<nav " in body and "<header " in body and "<footer " in body
    assert 'name="csrf-token"' in body
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in body
    assert 'rel="manifest" href="/manifest.webmanifest"' in body
    # CSP: no inline styles or inline scripts without a nonce.
    assert "style=" not in body
    for tag in re.findall(r"<script\b[^>]*>", body):
        assert "src=" in tag or "nonce=" in tag, tag


def test_every_input_on_preferences_has_a_label(client, users):
    client.force_login(users.secretary)
    body = html(client.get("/me/preferences/"))
    ids = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', body)
    assert ids
    for input_id in ids:
        assert f'for="{input_id}"' in body, input_id


def test_login_page_uses_our_shell(client):
    body = html(client.get("/accounts/login/"))
    assert 'class="site-header"' in body
    assert 'name="login"' in body and 'name="password"' in body
    assert re.search(r'<button[^>]*type="submit"', body)
    assert 'for="id_login"' in body and 'for="id_password"' in body


@pytest.mark.parametrize("url", ["/accounts/signup/", "/accounts/password/reset/"])
def test_account_pages_use_our_shell(client, url):
    response = client.get(url)
    assert response.status_code == 200
    body = html(response)
    assert 'class="site-header"' in body and "style=" not in body


def test_password_change_page_uses_our_shell(client, users):
    client.force_login(users.secretary)
    response = client.get("/accounts/password/change/")
    assert response.status_code == 200
    assert 'class="site-header"' in html(response)


def test_shell_survives_missing_static_manifest(client, settings, tmp_path):
    # Manifest storage without collectstatic: the page still renders, linking unhashed files.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    settings.STATIC_ROOT = tmp_path
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/static/css/app.css"' in html(response)


def test_mfa_page_uses_our_shell(client, users):
    client.force_login(users.admin)
    response = client.get("/accounts/2fa/")
    assert response.status_code == 200
    assert 'class="site-header"' in html(response)


@pytest.mark.parametrize("url", ["/", "/offline/", "/manifest.webmanifest", "/sw.js", "/accounts/login/"])
def test_security_headers(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "style-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_healthz(client):
    assert client.get("/healthz").json() == {"ok": True}
