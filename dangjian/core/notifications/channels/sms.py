"""SMS through Tencent Cloud SMS (API 3.0, ``SendSms`` version 2021-01-11) with the official SDK.

Settings: ``SMS_SECRET_ID``/``SMS_SECRET_KEY`` (empty = SMS off), ``SMS_APP_ID`` (SmsSdkAppId),
``SMS_SIGN_NAME``, ``SMS_TEMPLATE_ID``, ``SMS_REGION``, ``SMS_ENDPOINT`` (host or host:port) and
``SMS_SCHEME`` (https; http only for the local stand-in in tests).
The phone number is the one on the user's linked person record (encrypted at rest).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist

from dangjian.core.notifications.channels import DeliveryError, PermanentDeliveryError

# Provider answers that retrying cannot fix.
PERMANENT_CODES = {
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.PhoneNumberOnBlacklist",
    "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    "UnsupportedOperation.UnsupportedRegion",
}


def configured() -> bool:
    return bool(settings.SMS_SECRET_ID and settings.SMS_SECRET_KEY and settings.SMS_APP_ID and settings.SMS_TEMPLATE_ID)


def person_relation() -> bool:
    from django.contrib.auth import get_user_model

    try:
        get_user_model()._meta.get_field("person")
    except FieldDoesNotExist:
        return False
    return True


def _person(user: Any) -> Any:
    try:
        return getattr(user, "person", None)
    except Exception:  # RelatedObjectDoesNotExist
        return None


def has_phone(user: Any) -> bool:
    person = _person(user)
    return bool(person is not None and getattr(person, "phone_digest", ""))


def e164(phone: str) -> str:
    phone = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if phone.startswith("+"):
        return phone
    if phone.startswith("0086"):
        return "+" + phone[2:]
    return "+86" + phone


def client() -> Any:
    from tencentcloud.common import credential
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.sms.v20210111 import sms_client

    cred = credential.Credential(settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY)
    http = HttpProfile(
        protocol=getattr(settings, "SMS_SCHEME", "https") or "https",
        endpoint=settings.SMS_ENDPOINT,
        reqTimeout=int(getattr(settings, "SMS_TIMEOUT", 10)),
    )
    return sms_client.SmsClient(cred, settings.SMS_REGION, ClientProfile(httpProfile=http))


def send(delivery: Any) -> str:
    item = delivery.notification
    person = _person(item.recipient)
    phone = getattr(person, "phone", "") if person is not None else ""
    if not phone:
        raise PermanentDeliveryError("recipient has no phone number")
    return send_text(phone, [str(p) for p in (item.sms_params or [])], context=f"delivery:{delivery.pk}")


_quiet = threading.local()


class _QuietSdk(logging.Filter):
    """Drops the SDK's own log records (its DEBUG lines hold the request body: the phone number and
    the template parameters) while this thread sends a private message."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_quiet, "on", False)


_SDK_LOGGER = logging.getLogger("tencentcloud_sdk_common")
_SDK_LOGGER.addFilter(_QuietSdk())


def send_text(phone: str, params: list[str], *, template_id: str = "", context: str = "",
              private: bool = False) -> str:
    """Send one SMS to ``phone`` now (no Delivery row: e.g. a verification code to somebody without
    an account); returns the provider's serial. Raises DeliveryError / PermanentDeliveryError.
    ``private``: the SDK logs nothing of this request (a code, an anonymous person's phone)."""
    _quiet.on = private
    try:
        return _send_text(phone, params, template_id=template_id, context=context)
    finally:
        _quiet.on = False


def _send_text(phone: str, params: list[str], *, template_id: str, context: str) -> str:
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.sms.v20210111 import models

    request = models.SendSmsRequest()
    request.SmsSdkAppId = settings.SMS_APP_ID
    request.SignName = settings.SMS_SIGN_NAME
    request.TemplateId = template_id or settings.SMS_TEMPLATE_ID
    request.TemplateParamSet = params
    request.PhoneNumberSet = [e164(phone)]
    request.SessionContext = context
    try:
        response = client().SendSms(request)
    except TencentCloudSDKException as e:
        message = f"{e.get_code()}: {e.get_message()} (RequestId {e.get_request_id()})"
        if e.get_code() in PERMANENT_CODES:
            raise PermanentDeliveryError(message) from e
        raise DeliveryError(message) from e
    statuses = response.SendStatusSet or []
    if not statuses:
        raise DeliveryError(f"empty SendStatusSet (RequestId {response.RequestId})")
    status = statuses[0]
    if status.Code != "Ok":
        message = f"{status.Code}: {status.Message} (RequestId {response.RequestId})"
        if status.Code in PERMANENT_CODES:
            raise PermanentDeliveryError(message)
        raise DeliveryError(message)
    return str(status.SerialNo)
