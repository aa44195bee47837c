"""The whole-page cache answered by the first middleware (``portal/middleware.py``): no queries,
the same security headers as the full chain, the visitor's own CSRF cookie and token, views
counted, invalidation on publish, and every non-anonymous case left to the chain."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dangjian.portal import counting
from dangjian.portal.models import PageViewCount
from dangjian.portal.stats import do_flush_view_counts
from dangjian.portal.tests.conftest import published_article

pytestmark = pytest.mark.django_db
SECURITY_HEADERS = ("X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Content-Security-Policy",
                    "Cross-Origin-Opener-Policy", "Content-Language")


def _token(html: str) -> str:
    import re

    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def test_a_hit_is_answered_before_the_chain_with_the_chains_headers(portal: Any) -> None:
    from django.middleware.csrf import _unmask_cipher_token  # type: ignore[attr-defined]

    article = published_article(portal.news, "快速缓存", acting_user=portal.root)
    first = Client().get(article.url)  # through the chain: page stored, headers captured
    visitor = Client()
    with CaptureQueriesContext(connection) as hit:
        response = visitor.get(article.url)
    assert response.status_code == 200 and "快速缓存" in response.content.decode()
    assert len(hit.captured_queries) == 0  # no session, no routing, no SQL at all
    for name in SECURITY_HEADERS:
        assert response[name] == first[name], name
    token = _token(response.content.decode())
    assert _unmask_cipher_token(token) == visitor.cookies["csrftoken"].value
    assert visitor.cookies["csrftoken"].value != Client().get(article.url).cookies["csrftoken"].value


def test_a_form_from_a_fast_hit_passes_the_csrf_check(portal: Any) -> None:
    from dangjian.portal.models import PublicComment

    article = published_article(portal.news, "可评论", acting_user=portal.root)
    Client().get(article.url)
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(article.url)  # a first visit sets the cookie
    html = visitor.get(article.url).content.decode()  # the cookie is sent back: same secret
    resp = visitor.post(article.url, {"body": "支持！", "csrfmiddlewaretoken": _token(html)})
    assert resp.status_code == 302 and PublicComment.objects.count() == 1


def test_publishing_invalidates_fast_hits(portal: Any, client: Any) -> None:
    published_article(portal.news, "第一篇", acting_user=portal.root)
    client.get("/portal/")
    assert "第一篇" in client.get("/portal/").content.decode()
    with CaptureQueriesContext(connection) as hit:
        client.get("/portal/")
    assert len(hit.captured_queries) == 0
    published_article(portal.news, "第二篇", acting_user=portal.root)
    assert "第二篇" in client.get("/portal/").content.decode()


def test_fast_hits_are_counted(portal: Any, django_capture_on_commit_callbacks: Any) -> None:
    with counting._lock:
        counting._buffer.clear()
    article = published_article(portal.news, "计数", acting_user=portal.root)
    for _ in range(3):
        Client().get(article.url + "?ch=app")
    with django_capture_on_commit_callbacks(execute=True):
        do_flush_view_counts()
    assert PageViewCount.objects.get(page_id=article.pk, channel="app").views == 3


def test_signed_in_language_switch_and_english_visitors_are_not_served_the_shared_page(portal: Any) -> None:
    article = published_article(portal.news, "语言", acting_user=portal.root)
    Client().get(article.url)
    Client().get(article.url)
    english = Client()
    response = english.get(article.url + "?lang=en")
    assert response["Content-Language"] == "en" and english.cookies["django_language"].value == "en"
    with CaptureQueriesContext(connection) as en_first:
        assert english.get(article.url)["Content-Language"] == "en"
    assert english.get(article.url)["Content-Language"] == "en"
    signed_in = Client()
    signed_in.force_login(portal.root)
    with CaptureQueriesContext(connection) as ctx:
        response = signed_in.get(article.url)
    assert any("portal_publiccomment" in q["sql"] for q in ctx.captured_queries)
    assert en_first is not None


def test_generation_with_the_file_cache_follows_every_bump_and_never_expires(settings: Any, tmp_path: Any) -> None:
    import time

    from django.core.cache import cache

    from dangjian.portal.cache import KEY, bump, generation

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                   "LOCATION": str(tmp_path / "cache")}}
    first = generation()
    assert generation() == first  # the second read is the stat check
    bump()
    assert generation() == first + 1
    time.sleep(0.01)
    bump()
    assert generation() == first + 2
    assert cache.get(KEY) == first + 2
    # stored without expiry (Django's generic incr would re-set it with the default 300 s)
    import pickle

    with open(cache._key_to_file(KEY), "rb") as f:  # type: ignore[attr-defined]
        assert pickle.load(f) is None  # noqa: S301 - our own cache file; the expiry comes first, None = never


# --- the same hits answered in front of Django's handler (``PortalFront``, dangjian/wsgi.py) -------


class _Django:
    """Stands for the application behind the front: records what the front passed on."""

    def __init__(self) -> None:
        self.environs: list[dict[str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.environs.append(dict(environ))
        start_response("418 Passed On", [("Content-Type", "text/plain")])
        return [b"passed on"]


def _environ(url: str, method: str = "GET", cookie: str = "", host: str = "testserver") -> dict[str, Any]:
    import io
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    environ = {"REQUEST_METHOD": method, "PATH_INFO": unquote(parts.path).encode().decode("iso-8859-1"),
               "QUERY_STRING": parts.query, "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": host,
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(b"")}
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def _call(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], str]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer.update(status=status, headers=headers)

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body.decode()


def test_the_wsgi_application_is_fronted() -> None:
    from dangjian import wsgi
    from dangjian.portal.middleware import PortalFront

    assert isinstance(wsgi.application, PortalFront)


def test_the_front_answers_a_stored_page_without_django(portal: Any) -> None:
    from django.middleware.csrf import _unmask_cipher_token  # type: ignore[attr-defined]

    from dangjian.portal.middleware import PortalFront

    article = published_article(portal.news, "前端命中", acting_user=portal.root)  # Chinese slug in the path
    chain = Client().get(article.url)  # through the chain: page stored, headers captured
    django = _Django()
    front = PortalFront(django)
    environ = _environ(article.url)
    with CaptureQueriesContext(connection) as hit:
        status, headers, body = _call(front, environ)
    assert status == "200 OK" and "前端命中" in body and not django.environs
    assert len(hit.captured_queries) == 0
    named = dict(headers)
    for name in SECURITY_HEADERS:
        assert named[name] == chain[name], name
    assert int(named["Content-Length"]) == len(body.encode())
    cookies = [v for k, v in headers if k == "Set-Cookie"]
    assert len(cookies) == 1 and cookies[0].strip().startswith("csrftoken=")
    secret = cookies[0].strip().split(";", 1)[0].split("=", 1)[1]
    assert _unmask_cipher_token(_token(body)) == secret
    # a returning visitor keeps their secret; every answer masks the token anew
    again = _call(front, _environ(article.url, cookie=f"csrftoken={secret}"))[2]
    assert _unmask_cipher_token(_token(again)) == secret and _token(again) != _token(body)
    assert environ["PATH_INFO"] == _environ(article.url)["PATH_INFO"]  # the environ is left as it came


def test_the_front_passes_everything_else_on(portal: Any, client: Any) -> None:
    from dangjian.portal.middleware import PortalFront

    article = published_article(portal.news, "旁路", acting_user=portal.root)
    Client().get(article.url)
    Client().get("/portal/")
    django = _Django()
    front = PortalFront(django)
    passed = [
        _environ(article.url, method="POST"),
        _environ(article.url, cookie="sessionid=abc"),
        _environ(article.url, cookie="messages=x"),
        _environ(article.url + "?lang=en"),
        _environ(article.url, host="evil.example"),  # not an allowed host: Django answers 400
        _environ("/portal/no-such-page/"),
        _environ("/members/"),
    ]
    for environ in passed:
        original = dict(environ)
        status, _headers, body = _call(front, environ)
        assert status.startswith("418") and body == "passed on", environ
        assert django.environs[-1]["PATH_INFO"] == original["PATH_INFO"]
    assert len(django.environs) == len(passed)
    published_article(portal.news, "新发布", acting_user=portal.root)  # a publish: the stored home is gone
    assert _call(front, _environ("/portal/"))[0].startswith("418")
    client.get("/portal/")
    assert "新发布" in _call(front, _environ("/portal/"))[2]


def test_a_form_from_the_front_passes_the_csrf_check(portal: Any) -> None:
    from dangjian.portal.middleware import PortalFront
    from dangjian.portal.models import PublicComment

    article = published_article(portal.news, "前端表单", acting_user=portal.root)
    Client().get(article.url)
    Client().get(article.url)
    _status, headers, body = _call(PortalFront(_Django()), _environ(article.url))
    secret = next(v for k, v in headers if k == "Set-Cookie").strip().split(";", 1)[0].split("=", 1)[1]
    visitor = Client(enforce_csrf_checks=True)
    visitor.cookies["csrftoken"] = secret
    resp = visitor.post(article.url, {"body": "支持！", "csrfmiddlewaretoken": _token(body)})
    assert resp.status_code == 302 and PublicComment.objects.count() == 1


def test_front_hits_are_counted(portal: Any, django_capture_on_commit_callbacks: Any) -> None:
    from dangjian.portal.middleware import PortalFront

    with counting._lock:
        counting._buffer.clear()
    article = published_article(portal.news, "前端计数", acting_user=portal.root)
    Client().get(article.url + "?ch=weibo")  # stores the page (the channel tag is not in the key); one view
    front = PortalFront(_Django())
    for _ in range(2):
        assert _call(front, _environ(article.url + "?ch=weibo"))[0] == "200 OK"
    with django_capture_on_commit_callbacks(execute=True):
        do_flush_view_counts()
    assert PageViewCount.objects.get(page_id=article.pk, channel="weibo").views == 3


def _cookie_attrs(header: str) -> dict[str, str]:
    from http.cookies import SimpleCookie

    morsel = next(iter(SimpleCookie(header.strip()).values()))
    return {k: str(v) for k, v in morsel.items() if v and k != "expires"}


def test_the_front_follows_djangos_csrf_cookie_rules(portal: Any, settings: Any) -> None:
    from django.middleware.csrf import _mask_cipher_secret, _unmask_cipher_token  # type: ignore[attr-defined]

    from dangjian.portal.middleware import PortalFront

    article = published_article(portal.news, "令牌规则", acting_user=portal.root)
    chain = Client().get(article.url)
    chain_cookie = chain.cookies["csrftoken"]
    front = PortalFront(_Django())
    _s, headers, _b = _call(front, _environ(article.url))
    set_cookie = next(v for k, v in headers if k == "Set-Cookie")
    # the same attributes as the cookie Django's middleware sets (path, max-age, SameSite …)
    assert _cookie_attrs(set_cookie) == {k: str(v) for k, v in chain_cookie.items() if v and k != "expires"}
    secret = "a" * 32
    masked = _mask_cipher_secret(secret)  # a 64-character (masked) cookie is unmasked
    body = _call(front, _environ(article.url, cookie=f"csrftoken={masked}"))[2]
    assert _unmask_cipher_token(_token(body)) == secret
    status, headers, body = _call(front, _environ(article.url, cookie="csrftoken=not-a-token!"))
    fresh = next(v for k, v in headers if k == "Set-Cookie").strip().split(";", 1)[0].split("=", 1)[1]
    assert status == "200 OK" and len(fresh) == 32 and _unmask_cipher_token(_token(body)) == fresh


def test_what_the_front_learned_is_forgotten_when_settings_change(portal: Any, settings: Any) -> None:
    from dangjian.portal.middleware import PortalFront

    article = published_article(portal.news, "设置变化", acting_user=portal.root)
    Client().get(article.url)
    Client().get(article.url)
    django = _Django()
    front = PortalFront(django)
    assert _call(front, _environ(article.url))[0] == "200 OK"  # learned for this host
    settings.ALLOWED_HOSTS = ["portal.example"]
    assert _call(front, _environ(article.url))[0].startswith("418")  # the host is checked again: not allowed
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    assert _call(front, _environ(article.url))[0].startswith("418")
