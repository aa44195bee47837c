from django.test import RequestFactory

from dangjian.core.http import client_ip


def test_forwarded_for_ignored_without_trusted_proxy(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.9"


def test_forwarded_for_behind_one_proxy(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    # A client may prepend a fake address; the one nginx appended is the last.
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"


def test_language_switch_persists_for_user_with_saved_language(client, users):
    from dangjian.core.actions import do_update_preferences
    from dangjian.testing.fixtures import PASSWORD

    do_update_preferences(users.secretary, acting_user=users.secretary, language="en")
    client.login(username="secretary-a1", password=PASSWORD)
    assert client.get("/", {"lang": "zh-hans"}).headers["Content-Language"] == "zh-hans"
    # The next page, without ?lang=, stays in Chinese: the explicit switch wins.
    assert client.get("/members/").headers["Content-Language"] == "zh-hans"
    # A new device (no cookie) gets the saved profile language.
    client.cookies.pop("django_language")
    response = client.get("/members/")
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en"' in response.content.decode()
