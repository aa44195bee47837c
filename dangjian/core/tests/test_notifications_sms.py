"""SMS through the real Tencent Cloud SDK against a local stand-in that verifies the TC3 signature."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests

from dangjian.core.models import Delivery, NotificationPreference
from dangjian.core.notifications import notify
from dangjian.core.notifications.channels import sms as sms_channel
from dangjian.core.notifications.tasks import deliver
from dangjian.testing.sms_server import TencentSmsStandIn, tc3_signature

pytestmark = pytest.mark.django_db

SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
APP_ID = "1400006666"


@pytest.fixture(autouse=True)
def _test_backends(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def tencent(settings):
    with TencentSmsStandIn(secret_id=SECRET_ID, secret_key=SECRET_KEY, app_id=APP_ID) as server:
        settings.SMS_SECRET_ID = SECRET_ID
        settings.SMS_SECRET_KEY = SECRET_KEY
        settings.SMS_APP_ID = APP_ID
        settings.SMS_SIGN_NAME = "演示县委组织部"
        settings.SMS_TEMPLATE_ID = "1234567"
        settings.SMS_REGION = "ap-guangzhou"
        settings.SMS_ENDPOINT = server.endpoint
        settings.SMS_SCHEME = "http"
        settings.SMS_TIMEOUT = 5
        settings.NOTIFY_MAX_ATTEMPTS = 3
        yield server


@pytest.fixture
def member(users):
    NotificationPreference.objects.create(user=users.member, kind="*", sms=True)
    return users.member  # linked to alice, whose phone is on her (encrypted) person record


def send(user, capture, **kw):
    with capture(execute=True):
        notify(user, "dues.reminder", title="党费缴纳提醒", **kw)
    return Delivery.objects.filter(channel="sms").order_by("-pk").first()


def test_sms_is_sent_with_the_sdk_and_the_serial_stored(tencent, member, tree, django_capture_on_commit_callbacks):
    delivery = send(member, django_capture_on_commit_callbacks, sms_params=["张爱丽", "2025年6月"])
    delivery.refresh_from_db()
    assert delivery.status == "sent", delivery.last_error
    (request,) = tencent.requests
    phone = tree.alice.person.phone
    assert request["PhoneNumberSet"] == [f"+86{phone}"]
    assert request["TemplateParamSet"] == ["张爱丽", "2025年6月"]
    assert request["SmsSdkAppId"] == APP_ID and request["TemplateId"] == "1234567"
    assert request["SignName"] == "演示县委组织部"
    assert request["SessionContext"] == f"delivery:{delivery.pk}"
    assert delivery.provider_message_id == tencent.sent[0]["serial"]
    assert delivery.provider_message_id.startswith("2433:")


def test_title_is_the_default_template_parameter(tencent, member, django_capture_on_commit_callbacks):
    send(member, django_capture_on_commit_callbacks)
    assert tencent.requests[0]["TemplateParamSet"] == ["党费缴纳提醒"]


def test_wrong_secret_fails_signature_check_and_is_retried(tencent, member, settings,
                                                           django_capture_on_commit_callbacks):
    settings.SMS_SECRET_KEY = "not-the-right-key"
    delivery = send(member, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "AuthFailure.SignatureFailure" in delivery.last_error
    assert tencent.errors == ["AuthFailure.SignatureFailure"] and tencent.requests == []
    settings.SMS_SECRET_KEY = SECRET_KEY  # the operator fixes the key; the retry goes through
    assert deliver(delivery.pk) == "sent"
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.provider_message_id


def test_unknown_secret_id_is_reported(tencent, member, settings, django_capture_on_commit_callbacks):
    settings.SMS_SECRET_ID = "AKIDunknown"
    delivery = send(member, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert "AuthFailure.SecretIdNotFound" in delivery.last_error


def test_provider_error_is_retried_then_given_up(tencent, member, django_capture_on_commit_callbacks):
    tencent.fail_code = "LimitExceeded.PhoneNumberDailyLimit"
    delivery = send(member, django_capture_on_commit_callbacks)
    assert deliver(delivery.pk) == "failed"
    assert deliver(delivery.pk) == "gave_up"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("gave_up", 3)
    assert "LimitExceeded.PhoneNumberDailyLimit" in delivery.last_error
    assert "RequestId" in delivery.last_error
    assert len(tencent.requests) == 3
    tencent.fail_code = None
    assert deliver(delivery.pk) == "gave_up"
    assert len(tencent.requests) == 3


def test_permanent_provider_error_is_not_retried(tencent, member, django_capture_on_commit_callbacks):
    tencent.fail_code = "InvalidParameterValue.IncorrectPhoneNumber"
    delivery = send(member, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("gave_up", 1)


def test_stand_in_rejects_a_tampered_body(tencent):
    """The stand-in's check is real: a request signed for one body fails with another."""
    ts = int(time.time())
    headers = {"content-type": "application/json", "host": tencent.endpoint}
    sig = tc3_signature(SECRET_KEY, method="POST", uri="/", query="", headers=headers,
                        signed_headers=["content-type", "host"], payload=b'{"a":1}', timestamp=ts, service="sms")
    date = dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d")
    auth = (f"TC3-HMAC-SHA256 Credential={SECRET_ID}/{date}/sms/tc3_request, "
            f"SignedHeaders=content-type;host, Signature={sig}")
    common = {"Content-Type": "application/json", "Authorization": auth, "X-TC-Timestamp": str(ts),
              "X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11"}
    url = f"http://{tencent.endpoint}/"
    ok = requests.post(url, data=b'{"a":1}', headers=common, timeout=5).json()["Response"]
    assert ok["Error"]["Code"] == "MissingParameter"  # signature accepted, body then validated
    bad = requests.post(url, data=b'{"a":2}', headers=common, timeout=5).json()["Response"]
    assert bad["Error"]["Code"] == "AuthFailure.SignatureFailure"


def test_no_sms_without_phone(tencent, users, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=users.secretary, kind="*", sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify(users.secretary, "k", title="t")
    assert not Delivery.objects.exists()
    assert sms_channel.e164("13800001111") == "+8613800001111"
    assert sms_channel.e164("+85291234567") == "+85291234567"
