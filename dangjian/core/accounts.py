"""allauth integration: self-registered users are public users (群众)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: Any, user: Any, form: Any, commit: bool = True) -> Any:
        from dangjian.core.actions import do_register_public_user

        user = super().save_user(request, user, form, commit=False)
        if commit:
            with transaction.atomic():
                user.save()
                do_register_public_user(user)
        return user
