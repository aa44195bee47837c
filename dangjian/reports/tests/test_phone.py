"""A real-name reporter's phone verified by SMS through core's channel (the real Tencent Cloud SDK
against the local stand-in): the code reaches the phone, a right code marks the report verified,
a wrong, missing, reused or expired one is refused naming ``phone_code`` with nothing stored;
sending is rate-limited per phone; neither the phone nor the code is stored or logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from dangjian.reports import phone as phone_check
from dangjian.reports.models import Report
from dangjian.reports.tests.conftest import proof
from dangjian.reports.tests.test_submit import _every_row_bytes
from dangjian.testing.sms_server import TencentSmsStandIn

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"
PHONE = "13912345678"
IP = "203.0.113.50"
CONTENT = "某局长在工程招标中收受好处费二十万元。"


@pytest.fixture
def sms(settings: Any) -> Any:
    with TencentSmsStandIn(secret_id="AKIDreportsTEST", secret_key="reports-secret-key", app_id="1400000019") as server:
        settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY = "AKIDreportsTEST", "reports-secret-key"
        settings.SMS_APP_ID, settings.SMS_SIGN_NAME, settings.SMS_TEMPLATE_ID = "1400000019", "演示县纪委", "555"
        settings.REPORTS_SMS_TEMPLATE_ID = "777"
        settings.SMS_ENDPOINT, settings.SMS_SCHEME, settings.SMS_TIMEOUT = server.endpoint, "http", 5
        yield server


def ask_code(client: Any, phone: str = PHONE, ip: str = IP) -> Any:
    return client.post(f"{URL}/phone-code", {"phone": phone, "proof": proof("phone")},
                       content_type="application/json", REMOTE_ADDR=ip)


def submit_real(client: Any, **extra: Any) -> Any:
    body = {"content": CONTENT, "real_name": "钱举报", "phone": PHONE, "proof": proof("submit"), **extra}
    return client.post(URL, body, content_type="application/json", REMOTE_ADDR=IP)


def test_a_verified_phone_marks_the_real_name_report(client: Any, staff: Any, sms: Any, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    r = ask_code(client)
    assert r.status_code == 200, r.content
    token = r.json()["phone_token"]
    (sent,) = sms.requests
    assert sent["PhoneNumberSet"] == [f"+86{PHONE}"] and sent["TemplateId"] == "777"
    code = sent["TemplateParamSet"][0]
    assert len(code) == 6 and code.isdigit() and code not in token
    # no code, a wrong code: refused naming the field, nothing stored
    r = submit_real(client, phone_token=token)
    assert r.status_code == 400 and r.json()["field"] == "phone_code"
    wrong = "000000" if code != "000000" else "111111"
    r = submit_real(client, phone_token=token, phone_code=wrong)
    assert r.status_code == 400 and r.json()["field"] == "phone_code"
    assert not Report.objects.exists()
    # the code for another phone does not verify this one
    r = client.post(URL, {"content": CONTENT, "real_name": "钱举报", "phone": "13800000000", "phone_token": token,
                          "phone_code": code, "proof": proof("submit")}, content_type="application/json",
                    REMOTE_ADDR=IP)
    assert r.status_code == 400 and r.json()["field"] == "phone_code"
    r = submit_real(client, phone_token=token, phone_code=code)
    assert r.status_code == 201, r.content
    assert Report.objects.get().phone_verified is True
    # a token verifies once
    r = submit_real(client, phone_token=token, phone_code=code)
    assert r.status_code == 400 and r.json()["field"] == "phone_code"
    raw = _every_row_bytes()
    for trace in (PHONE, code, token, IP):
        assert trace.encode() not in raw, trace
    logged = "\n".join(f"{rec.getMessage()} {rec.__dict__}" for rec in caplog.records)
    assert PHONE not in logged and code not in logged


def test_tries_per_code_are_bounded(sms: Any, client: Any) -> None:
    token = ask_code(client).json()["phone_token"]
    code = sms.requests[0]["TemplateParamSet"][0]
    for n in range(phone_check.MAX_TRIES):
        assert phone_check.check(PHONE, f"{(int(code) + n + 1) % 10**6:06d}", token) is False
    assert phone_check.check(PHONE, code, token) is False  # the right code, too late


def test_sending_is_limited_per_phone_and_refuses_bad_numbers(client: Any, sms: Any, settings: Any) -> None:
    settings.REPORTS_PHONE_RATE = "2/h"
    assert ask_code(client, ip="198.51.100.1").status_code == 200
    assert ask_code(client, ip="198.51.100.2").status_code == 200
    r = ask_code(client, ip="198.51.100.3")  # a third address, the same phone
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert len(sms.requests) == 2
    r = ask_code(client, phone="12345")
    assert r.status_code == 400 and r.json()["field"] == "phone"
    sms.fail_code = "LimitExceeded.PhoneNumberDailyLimit"
    r = ask_code(client, phone="13700000000", ip="198.51.100.4")
    assert r.status_code == 503 and r.json()["field"] == "phone"


def test_without_sms_real_name_reports_are_taken_unverified(client: Any, staff: Any) -> None:
    assert phone_check.required() is False
    r = submit_real(client)
    assert r.status_code == 201 and Report.objects.get().phone_verified is False
    assert b'id="phone-send"' not in client.get("/reports/new/").content


def test_the_page_offers_the_code_when_sms_is_on(client: Any, staff: Any, sms: Any) -> None:
    page = client.get("/reports/new/").content.decode()
    assert 'id="phone-send"' in page and 'name="phone_code"' in page
    p = proof("submit")
    r = client.post("/reports/new/", {"content": CONTENT, "kind": "other", "real_name": "钱举报", "phone": PHONE,
                                      "pow_challenge": p["challenge"], "pow_nonce": p["nonce"]}, REMOTE_ADDR=IP)
    assert b'id="receipt-code"' not in r.content and not Report.objects.exists()
