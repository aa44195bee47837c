"""No full ID-card or phone number in a log line, whatever the user typed (issue 13 §4)."""

from __future__ import annotations

import datetime as dt
import io
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from dangjian.core.logredact import GunicornLogger, redact

FULL_ID = "320321198001010011"
PHONE = "13812345678"


@pytest.mark.parametrize("typed", [
    FULL_ID, "32032119800101001X", "3203+2119+8001+0100+11", "320321%2019800101%2D0011", "320321198001011",
    PHONE, "138-1234-5678", "%2B86%20138%201234%205678", "(138) 1234 5678",
])
def test_redact_masks_numbers_however_typed(typed):
    line = redact(f"GET /members/?q={typed}&page=2 HTTP/1.1")
    digits = "".join(ch for ch in line if ch.isdigit())
    assert FULL_ID[:11] not in digits and PHONE not in digits and "1234" not in digits
    assert line.endswith("&page=2 HTTP/1.1")


def test_redact_keeps_short_numbers():
    line = "GET /members/12345/?page=2&year=2026 HTTP/1.1 200 5120"
    assert redact(line) == line


@pytest.fixture
def console():
    """The streams of the handlers that settings.LOGGING gives the root logger and
    ``django.server``, captured in one buffer."""
    handlers = [h for name in ("", "django.server") for h in logging.getLogger(name).handlers
                if type(h) is logging.StreamHandler]
    buf = io.StringIO()
    old = [h.setStream(buf) for h in handlers]
    yield buf
    for h, stream in zip(handlers, old, strict=True):
        h.setStream(stream)


def test_django_request_log_has_no_full_number(client, users, console):
    client.force_login(users.organizer)
    assert client.get(f"/members/{FULL_ID}/", {"q": PHONE}).status_code == 404  # "Not Found: …"
    logging.getLogger("django.server").info('"%s" 200 512', f"GET /members/?q={FULL_ID} HTTP/1.1")
    logging.getLogger("dangjian").warning("lookup %s failed", PHONE)
    out = console.getvalue()
    assert "Not Found" in out and "/members/?q=" in out and "lookup" in out
    assert FULL_ID not in out and PHONE not in out


def test_gunicorn_access_log_has_no_full_number(capsys):
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("logger_class", "dangjian.core.logredact.GunicornLogger")
    logger = cfg.logger_class(cfg)
    assert isinstance(logger, GunicornLogger)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/members/?q={FULL_ID}", "PATH_INFO": "/members/",
               "QUERY_STRING": f"q={FULL_ID}", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": f"http://127.0.0.1/members/?q={PHONE}", "HTTP_USER_AGENT": "test"}
    resp = SimpleNamespace(status="200 OK", sent=512, headers=[])
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(resp, req, environ, dt.timedelta(milliseconds=12))
    out = capsys.readouterr().out
    assert "GET /members/?q=" in out and " 200 " in out
    assert FULL_ID not in out and PHONE not in out
