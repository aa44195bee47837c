"""allauth's mails (password reset, a new address's confirmation) go through the outbox: with no
mail server reachable the page answers normally, the message waits, and it is sent once a server
answers."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.core.models import Delivery
from dangjian.core.notifications.selectors import inbox_for
from dangjian.core.notifications.tasks import run_due_now
from dangjian.testing.smtp_server import LocalSMTPServer

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once the socket is closed


@pytest.fixture
def no_mail_server(settings):
    """The real SMTP backend, aimed at a port where nothing listens (connection refused)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    return settings


@pytest.fixture
def secretary(users):
    users.secretary.email = "secretary@example.com"
    users.secretary.save(update_fields=["email"])
    return users.secretary


def _sent_when_a_server_answers(settings) -> list:
    with LocalSMTPServer() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = smtp.host, smtp.port
        run_due_now(timezone.now() + dt.timedelta(days=1))
        return list(smtp.messages)


def test_password_reset_answers_without_a_mail_server(no_mail_server, secretary,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/accounts/password/reset/", {"email": "secretary@example.com"})
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "ConnectionRefusedError" in delivery.last_error
    (message,) = _sent_when_a_server_answers(no_mail_server)
    assert message.rcpt_tos == ["secretary@example.com"] and "/accounts/password/reset/key/" in message.text
    assert Delivery.objects.get().status == "sent"
    assert not inbox_for(secretary).exists()  # the reset link is not an inbox item


def test_adding_an_address_answers_without_a_mail_server(no_mail_server, secretary,
                                                         django_capture_on_commit_callbacks):
    no_mail_server.ACCOUNT_EMAIL_VERIFICATION = "optional"
    client = Client()
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/email/", {"email": "new@example.com", "action_add": ""})
    assert response.status_code == 302
    assert Delivery.objects.get().address == "new@example.com"
    (message,) = _sent_when_a_server_answers(no_mail_server)
    assert message.rcpt_tos == ["new@example.com"]
