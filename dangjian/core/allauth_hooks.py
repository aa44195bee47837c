"""allauth reports the changes a user makes on its own pages (password, two-step verification,
e-mail) only through its signals. These receivers hold no logic of their own: each calls the one
action that audits the change (and revokes API tokens after a password change), keeping the rule
"every write is audited" for pages we do not render ourselves."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals

from dangjian.core.actions import do_record_account_security_event
from dangjian.core.http import client_ip


def _ip(request: Any) -> str | None:
    return client_ip(request) if request is not None else None


def _receiver(event: str):  # type: ignore[no-untyped-def]
    def receive(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
        if user is None and request is not None:
            user = getattr(request, "user", None)
        if user is not None and getattr(user, "pk", None):
            do_record_account_security_event(user, event, ip=_ip(request))

    return receive


_RECEIVERS = {
    account_signals.password_changed: _receiver("user.password_changed"),
    account_signals.password_set: _receiver("user.password_changed"),
    account_signals.password_reset: _receiver("user.password_reset_by_email"),
    account_signals.email_changed: _receiver("user.email_changed"),
    mfa_signals.authenticator_added: _receiver("user.mfa_added"),
    mfa_signals.authenticator_removed: _receiver("user.mfa_removed"),
    mfa_signals.authenticator_reset: _receiver("user.mfa_reset"),
}


def connect() -> None:
    for signal, receiver in _RECEIVERS.items():
        signal.connect(receiver, dispatch_uid=f"dangjian-audit-{id(signal)}")
