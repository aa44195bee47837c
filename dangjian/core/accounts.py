"""allauth integration: self-registered users are public users (群众); failed web logins are
counted by the same throttle as the API's (``core.login_throttle``, by account and address
together) instead of allauth's per-account lock, which let anyone lock an owner out; allauth's
other limits are counted by ``core.ratelimit`` too (``core.allauth_ratelimit``)."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from dangjian.core import login_throttle

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    _login_attempt: login_throttle.LoginAttempt | None = None

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's mails (password reset, address confirmation) go through the outbox: the
        page that asks for one answers at once even when no mail server is reachable."""
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        from dangjian.core.notifications import queue_email

        request = allauth_context.request
        message = self.render_mail(template_prefix, email, {
            "request": request, "email": email, "current_site": get_current_site(request), **context,
        })
        user = context.get("user") or self._user_of(email)
        if user is None:  # no account has this address: nothing to send, nothing to reveal
            logger.info("account mail %s for an address of no account not sent", template_prefix)
            return
        queue_email(user, email, subject=str(message.subject), body=str(message.body))

    @staticmethod
    def _user_of(email: str) -> Any:
        from allauth.account.models import EmailAddress

        found = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        return found.user if found else None

    def get_client_ip(self, request: Any) -> str:
        """The address allauth's rate limits count by: the same as every other throttle's
        (``core.http.client_ip``, which trusts X-Forwarded-For only behind TRUSTED_PROXY_HOPS)."""
        from dangjian.core.http import client_ip

        return client_ip(request) or super().get_client_ip(request)

    def pre_authenticate(self, request: Any, **credentials: Any) -> None:
        from dangjian.core.http import client_ip

        try:
            self._login_attempt = login_throttle.begin(client_ip(request), credentials.get("username", ""))
        except login_throttle.LoginThrottled:
            raise self.validation_error("too_many_login_attempts") from None

    def authenticate(self, request: Any, **credentials: Any) -> Any:
        self._login_attempt = None
        user = super().authenticate(request, **credentials)
        if user is not None and self._login_attempt is not None:
            self._login_attempt.succeeded()
        return user

    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        from dangjian.core.actions import do_register_public_user

        user = super().save_user(request, user, form, commit=False)
        if commit:
            with transaction.atomic():
                user.save()
                do_register_public_user(user)
        return user
