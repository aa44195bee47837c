"""allauth integration: self-registered users are public users (群众); failed web logins are
counted by the same throttle as the API's (``core.login_throttle``, by account and address
together) instead of allauth's per-account lock, which let anyone lock an owner out."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from dangjian.core import login_throttle


class AccountAdapter(DefaultAccountAdapter):
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
