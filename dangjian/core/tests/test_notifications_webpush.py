"""Web push through pywebpush against a local stand-in push service that checks the VAPID JWT
and decrypts the aes128gcm payload with the browser's keys."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from py_vapid import Vapid

from dangjian.core.models import Delivery, NotificationPreference, WebPushSubscription
from dangjian.core.notifications import notify
from dangjian.core.notifications.actions import do_subscribe_webpush
from dangjian.core.notifications.tasks import deliver

pytestmark = pytest.mark.django_db


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushStandIn:
    """A push service: POST /push/<token> → 201, or the status set for that token."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status: dict[str, int] = {}
        self.browsers: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                token = self.path.rsplit("/", 1)[-1]
                problem = owner.check(self.headers, body, token)
                code = 400 if problem else owner.status.get(token, 201)
                self.send_response(code)
                if code == 201:
                    self.send_header("Location", f"http://{owner.netloc}/message/{len(owner.received)}")
                self.send_header("Content-Length", str(len(problem or "")))
                self.end_headers()
                self.wfile.write((problem or "").encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.netloc = f"127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def browser(self, token: str) -> dict[str, Any]:
        """A browser's subscription JSON, keeping its private key to decrypt what arrives."""
        key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.browsers[token] = (key, auth)
        pub = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"http://{self.netloc}/push/{token}", "keys": {"p256dh": b64url(pub), "auth": b64url(auth)}}

    def check(self, headers: Any, body: bytes, token: str) -> str | None:
        if headers.get("Content-Encoding") != "aes128gcm":
            return "Content-Encoding must be aes128gcm"
        if not headers.get("TTL"):
            return "TTL missing"
        auth = headers.get("Authorization", "")
        if not auth.startswith("vapid "):
            return "VAPID Authorization missing"
        parts = dict(p.strip().split("=", 1) for p in auth[len("vapid "):].split(","))
        header_b64, claims_b64, sig_b64 = parts["t"].split(".")
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(parts["k"]))
        sig = unb64url(sig_b64)
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        try:
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad VAPID signature"
        claims = json.loads(unb64url(claims_b64))
        if claims["aud"] != f"http://{self.netloc}" or claims["exp"] < time.time():
            return "bad VAPID claims"
        if token not in self.browsers:
            return "unknown subscription"
        key, secret = self.browsers[token]
        plain = http_ece.decrypt(body, private_key=key, auth_secret=secret, version="aes128gcm")
        self.received.append({"token": token, "vapid_k": parts["k"], "claims": claims, "payload": json.loads(plain)})
        return None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push(settings):
    vapid = Vapid()
    vapid.generate_keys()
    raw_private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    raw_public = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.WEBPUSH_VAPID_PRIVATE_KEY = b64url(raw_private)
    settings.WEBPUSH_VAPID_PUBLIC_KEY = b64url(raw_public)
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:ops@dangjian.test"
    settings.WEBPUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
    settings.WEBPUSH_ALLOW_HTTP = True
    settings.WEBPUSH_TIMEOUT = 5
    settings.NOTIFY_MAX_ATTEMPTS = 2
    server = PushStandIn()
    server.public_key = settings.WEBPUSH_VAPID_PUBLIC_KEY  # type: ignore[attr-defined]
    yield server
    server.stop()


@pytest.fixture
def member(users):
    NotificationPreference.objects.create(user=users.member, kind="*", webpush=True)
    return users.member


def test_push_is_encrypted_signed_and_delivered(push, member, django_capture_on_commit_callbacks):
    phone = do_subscribe_webpush(member, push.browser("phone"), acting_user=member)
    laptop = do_subscribe_webpush(member, push.browser("laptop"), acting_user=member)
    with django_capture_on_commit_callbacks(execute=True):
        (item,) = notify(member, "case.assigned", title="新交办事项", body="请于3个工作日内反馈。", url="/cases/7")
    assert sorted(r["token"] for r in push.received) == ["laptop", "phone"]
    first = push.received[0]
    assert first["payload"] == {"title": "新交办事项", "body": "请于3个工作日内反馈。", "url": "/cases/7",
                                "tag": f"notification-{item.pk}"}
    assert first["vapid_k"] == push.public_key
    assert first["claims"]["sub"] == "mailto:ops@dangjian.test"
    deliveries = Delivery.objects.filter(channel="webpush").order_by("pk")
    assert [(d.subscription_id, d.status) for d in deliveries] == [(phone.pk, "sent"), (laptop.pk, "sent")]
    assert all(d.provider_message_id.startswith(f"http://{push.netloc}/message/") for d in deliveries)


def test_gone_subscription_is_deleted_and_not_retried(push, member, django_capture_on_commit_callbacks):
    sub = do_subscribe_webpush(member, push.browser("old"), acting_user=member)
    push.status["old"] = 410
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, "k", title="t")
    assert not WebPushSubscription.objects.filter(pk=sub.pk).exists()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.subscription_id) == ("gave_up", 1, None)
    assert "410" in delivery.last_error
    # next notification: no subscription, no delivery
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, "k", title="t2")
    assert Delivery.objects.count() == 1


def test_server_error_is_retried_then_given_up(push, member, django_capture_on_commit_callbacks):
    sub = do_subscribe_webpush(member, push.browser("flaky"), acting_user=member)
    push.status["flaky"] = 503
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, "k", title="t")
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "503" in delivery.last_error
    sub.refresh_from_db()
    assert "503" in sub.last_error
    assert deliver(delivery.pk) == "gave_up"  # NOTIFY_MAX_ATTEMPTS = 2
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and "503" in delivery.last_error
    assert WebPushSubscription.objects.filter(pk=sub.pk).exists()


def test_push_off_without_vapid_keys(push, member, settings, django_capture_on_commit_callbacks):
    do_subscribe_webpush(member, push.browser("x"), acting_user=member)
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, "k", title="t")
    assert not Delivery.objects.exists() and push.received == []
