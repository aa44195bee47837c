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
